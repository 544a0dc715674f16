/**
 * `GET /debug/kv-logs`: the entries waiting in KV, oldest batch first.
 *
 * Walks the `log:` keys in list order (= arrival order), skips batches whose
 * list metadata cannot match the filters, reads the rest with bulk gets and
 * filters their entries. The cursor is opaque to callers; inside it holds the
 * KV list cursor of the page being read, the last batch key and the offset of
 * the next entry in it, so a page can end in the middle of a batch.
 */
import { LOG_LEVELS, levelRank, type StoredLogEntry } from "@log-service/client/schema";
import { z } from "zod";
import { ApiError } from "../http/errors";
import { instantParam, limitParam } from "../http/query";
import {
  asBatchMetadata,
  type BatchMetadata,
  bulkGetChunks,
  getBatches,
  LOG_KEY_PREFIX,
  parseLogKey,
  UNKNOWN_VALUE_BYTES,
} from "./batches";

/** Pages of 1,000 keys one request may list before it answers with what it has. */
export const MAX_LIST_PAGES_PER_REQUEST = 10;

export const kvLogsQuerySchema = z.object({
  limit: limitParam,
  cursor: z.string().optional(),
  level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).optional(),
  service: z.string().optional(),
  since: instantParam.optional(),
  until: instantParam.optional(),
  q: z.string().optional(),
  /** Exact request id: every entry of one request, across services. */
  requestId: z.string().min(1).optional(),
});
export type KvLogsQuery = z.infer<typeof kvLogsQuerySchema>;

/** Where a listing resumes: KV list cursor of the page, last key seen, next entry offset in it. */
interface Position {
  /** KV list cursor that returns the page holding `k` (null: the first page). */
  c: string | null;
  /** Batch key the position is in (null: the start of page `c`). */
  k: string | null;
  /** Index of the next entry to read in batch `k`. */
  o: number;
}

const positionSchema = z.object({
  c: z.string().nullable(),
  k: z.string().startsWith(LOG_KEY_PREFIX).nullable(),
  o: z.number().int().min(0),
});

export function encodeCursor(position: Position): string {
  const bytes = new TextEncoder().encode(JSON.stringify(position));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): Position {
  try {
    const b64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
    return positionSchema.parse(JSON.parse(json));
  } catch (err) {
    throw new ApiError(
      400,
      "invalid_cursor",
      "The cursor is not one this endpoint returned; start again without it.",
      {
        cause: err,
      },
    );
  }
}

function batchMayMatch(meta: BatchMetadata | null, query: KvLogsQuery, minRank: number): boolean {
  if (!meta) return true;
  if (meta.hi < minRank) return false;
  if (query.since !== undefined && meta.t1 < query.since) return false;
  if (query.until !== undefined && meta.t0 > query.until) return false;
  if (query.service !== undefined && meta.svc && !meta.svc.includes(query.service)) return false;
  return true;
}

function entryMatches(
  entry: StoredLogEntry,
  query: KvLogsQuery,
  minRank: number,
  needle: string | null,
): boolean {
  if (levelRank(entry.level) < minRank) return false;
  if (query.service !== undefined && entry.service !== query.service) return false;
  if (query.requestId !== undefined && entry.requestId !== query.requestId) return false;
  if (query.since !== undefined || query.until !== undefined) {
    const t = Date.parse(entry.timestamp);
    if (query.since !== undefined && t < query.since) return false;
    if (query.until !== undefined && t > query.until) return false;
  }
  if (needle !== null && !String(entry.message).toLowerCase().includes(needle)) return false;
  return true;
}

export interface KvLogsPage {
  logs: StoredLogEntry[];
  /** Resume here for the next page; null once every waiting batch was read. */
  cursor: string | null;
  /**
   * Never null: a cursor for live polling. After the last page it points at the
   * last millisecond seen, so polling it later returns what arrived since plus
   * possibly entries of that millisecond again (dedupe by `id`).
   */
  tail: string;
}

/** Entries one response carries at most, in bytes of JSON (up to 1,000 entries of 64 KiB would be 64 MiB). */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** How far before the last batch seen a tail cursor restarts. */
export const TAIL_REWIND_MS = 2_000;

const encoder = new TextEncoder();

/** A position just before every batch received `TAIL_REWIND_MS` before `key`. */
function rewound(key: string): string {
  const ms = parseLogKey(key)?.receivedAtMs;
  if (ms === undefined) return key;
  return `${LOG_KEY_PREFIX}${String(Math.max(0, ms - TAIL_REWIND_MS)).padStart(13, "0")}:`;
}

/** Offset meaning "every entry of batch `k` was read". */
const PAST_END = 2 ** 31 - 1;

/**
 * Lists the page a position is on. A KV list cursor is not guaranteed to stay
 * valid forever; when one is refused the walk restarts from the first page,
 * which is still correct because keys before `k` are filtered out.
 */
async function listPage(kv: KVNamespace, pos: Position): Promise<KVNamespaceListResult<unknown>> {
  if (pos.c === null) return kv.list({ prefix: LOG_KEY_PREFIX });
  try {
    return await kv.list({ prefix: LOG_KEY_PREFIX, cursor: pos.c });
  } catch {
    return kv.list({ prefix: LOG_KEY_PREFIX });
  }
}

/** One page of waiting entries, oldest first. */
export async function listWaitingLogs(
  kv: KVNamespace,
  query: KvLogsQuery,
  { maxListPages = MAX_LIST_PAGES_PER_REQUEST } = {},
): Promise<KvLogsPage> {
  const minRank = query.level ? levelRank(query.level) : 0;
  const needle = query.q ? query.q.toLowerCase() : null;
  let pos: Position = query.cursor ? decodeCursor(query.cursor) : { c: null, k: null, o: 0 };
  const logs: StoredLogEntry[] = [];
  let bytes = 0;

  for (let pages = 0; pages < maxListPages; pages++) {
    const page = await listPage(kv, pos);
    const after = pos.k;
    // Keys sort by arrival; everything up to the last key seen is done (a key
    // archived meanwhile simply is no longer listed).
    const keys = page.keys.filter((key) => after === null || key.name >= after);
    const candidates = keys
      .map((key) => ({ key: key.name, meta: asBatchMetadata(key.metadata) }))
      .filter(({ meta }) => batchMayMatch(meta, query, minRank))
      .map(({ key, meta }) => ({ key, bytes: meta?.b ?? UNKNOWN_VALUE_BYTES }));

    // Bulk gets bounded by the values' sizes (≤ 100 keys, ≤ 4 MiB), so memory stays bounded.
    for (const chunk of bulkGetChunks(candidates)) {
      const batches = await getBatches(
        kv,
        chunk.map((c) => c.key),
      );
      for (const { key } of chunk) {
        const entries = batches.get(key) ?? [];
        const start = key === after ? pos.o : 0;
        for (let o = start; o < entries.length; o++) {
          const entry = entries[o] as StoredLogEntry;
          if (!entryMatches(entry, query, minRank, needle)) continue;
          logs.push(entry);
          bytes += encoder.encode(JSON.stringify(entry)).byteLength;
          // A full page, or a response already large enough: resume after this entry.
          if (logs.length === query.limit || bytes >= MAX_RESPONSE_BYTES) {
            const next = encodeCursor({ c: pos.c, k: key, o: o + 1 });
            return { logs, cursor: next, tail: next };
          }
        }
      }
    }

    // Everything up to the page's last key is now read (or skipped by its metadata).
    const lastKey = keys.at(-1)?.name;
    const reached: Position = lastKey === undefined ? pos : { c: pos.c, k: lastKey, o: PAST_END };
    if (page.list_complete) {
      // The tail restarts TAIL_REWIND_MS before the last batch seen: a batch stored
      // in the same millisecond, or by an isolate whose clock runs a little
      // behind, may sort before `lastKey`. Polling it repeats those entries
      // (dedupe by id) rather than risk missing one.
      const tail = lastKey === undefined ? pos : { c: pos.c, k: rewound(lastKey), o: 0 };
      return { logs, cursor: null, tail: encodeCursor(tail) };
    }
    pos = { ...reached, c: page.cursor };
  }
  // Scan budget spent: answer with what matched so far; the cursor goes on from here.
  const next = encodeCursor(pos);
  return { logs, cursor: next, tail: next };
}
