/**
 * Bounded reads for the MCP tools: pages of the one search (`searchLogs`, as
 * `GET /debug/logs`), gathered until enough entries, enough bytes, or a page
 * budget, and always with the cursor that continues exactly after the last
 * entry returned.
 */
import type { StoredLogEntry } from "@log-service/client/schema";
import { type SearchQuery, searchLogs } from "../search";

/** What one tool answer may hold. */
export interface Bounds {
  /** Most entries in one answer. */
  maxEntries: number;
  /** Most bytes of serialized entries in one answer (the text content repeats them). */
  maxBytes: number;
  /** Most search pages (each with its own scan budget) read for one answer. */
  maxPages: number;
}

export const ANSWER_BOUNDS: Bounds = { maxEntries: 200, maxBytes: 256 * 1024, maxPages: 4 };

export interface Collected {
  logs: StoredLogEntry[];
  /** Pass it back as `cursor` for the next entries; null once the range is exhausted. */
  cursor: string | null;
  /** Why the answer stopped before the range was exhausted, if it did. */
  stoppedBy: "entries" | "bytes" | "pages" | null;
  /** Search pages read. */
  pages: number;
}

const encoder = new TextEncoder();

function entryBytes(entry: StoredLogEntry): number {
  return encoder.encode(JSON.stringify(entry)).byteLength;
}

/**
 * Reads search pages from `query` on until `bounds` is reached. A page that
 * would pass `maxBytes` is read again with a smaller limit, so the cursor it
 * returns sits right after the last entry kept and nothing is skipped.
 */
export async function collectLogs(
  env: Pick<Env, "log_state" | "log_archive">,
  query: SearchQuery,
  bounds: Bounds = ANSWER_BOUNDS,
): Promise<Collected> {
  const logs: StoredLogEntry[] = [];
  const wanted = Math.min(query.limit, bounds.maxEntries);
  let bytes = 0;
  let cursor = query.cursor ?? null;
  let pages = 0;
  for (;;) {
    const pageQuery: SearchQuery = { ...query, limit: wanted - logs.length, cursor: cursor ?? undefined };
    let page = await searchLogs(env, pageQuery);
    pages++;
    let fit = 0;
    let pageBytes = 0;
    for (const entry of page.logs) {
      const size = entryBytes(entry);
      if (bytes + pageBytes + size > bounds.maxBytes) break;
      pageBytes += size;
      fit++;
    }
    // One entry always fits when nothing is kept yet (an entry is at most 64 KiB).
    if (fit === 0 && logs.length === 0) fit = Math.min(1, page.logs.length);
    if (fit < page.logs.length) {
      if (fit > 0) {
        page = await searchLogs(env, { ...pageQuery, limit: fit });
        pages++;
        logs.push(...page.logs);
        cursor = page.cursor;
      }
      return { logs, cursor, stoppedBy: "bytes", pages };
    }
    logs.push(...page.logs);
    bytes += pageBytes;
    cursor = page.cursor;
    if (cursor === null) return { logs, cursor, stoppedBy: null, pages };
    if (logs.length >= wanted) return { logs, cursor, stoppedBy: "entries", pages };
    if (pages >= bounds.maxPages) return { logs, cursor, stoppedBy: "pages", pages };
  }
}
