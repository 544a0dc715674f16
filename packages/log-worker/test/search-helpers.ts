/** Helpers for the search tests: paging GET /debug/logs to the end, and archiving now. */
import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { expect } from "vitest";
import { archiveLogs } from "../src/archive/run";
import type { Scanned } from "../src/search";
import { adminGet, json } from "./helpers";

export interface Page {
  logs: StoredLogEntry[];
  cursor: string | null;
  scanned: Scanned;
}

/** One GET /debug/logs with these parameters; asserts a 200. */
export async function search(params: Record<string, string | number>): Promise<Page> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await adminGet(`/debug/logs?${qs}`);
  const body = await json<Page>(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Follows the cursor to null; `between` runs after each page (to change storage mid-walk). */
export async function searchAll(
  params: Record<string, string | number>,
  between?: (page: number) => Promise<void>,
): Promise<{ logs: StoredLogEntry[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await search(cursor ? { ...params, cursor } : params);
    pages.push(page);
    cursor = page.cursor;
    if (pages.length > 500) throw new Error("cursor never reached null");
    if (between) await between(pages.length);
  } while (cursor);
  return { logs: pages.flatMap((p) => p.logs), pages };
}

/** Archives everything waiting now. */
export async function archiveNow(): Promise<void> {
  await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() + 1 });
}

/** Expected order of a result: by timestamp, ties by id; newest first unless asc. */
export function ordered(
  entries: readonly StoredLogEntry[],
  order: "asc" | "desc" = "desc",
): StoredLogEntry[] {
  const sorted = [...entries].sort(
    (a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return order === "asc" ? sorted : sorted.reverse();
}

export const ids = (entries: readonly StoredLogEntry[]) => entries.map((e) => e.id);
