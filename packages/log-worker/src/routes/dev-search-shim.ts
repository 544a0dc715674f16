/** TEMPORARY (viewer branch only, reverted before merging `search`): GET /debug/logs over KV only, per the DESIGN contract's shape. */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { parseQuery } from "../http/query";
import { kvLogsQuerySchema, listWaitingLogs } from "../store/kv-logs";

export const devSearchShim = new Hono<AppEnv>();

devSearchShim.get("/debug/logs", async (c) => {
  const raw = c.req.query();
  const { cursor: _c, order: _o, ...rest } = raw;
  const query = parseQuery(kvLogsQuerySchema, { ...rest, limit: "1000" });
  void _c; void _o; // { ...raw, limit: "1000", cursor: "", order: "" });
  const all: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const page = await listWaitingLogs(c.env.log_state, { ...query, limit: 1000, cursor: cursor ?? undefined });
    all.push(...(page.logs as unknown as Record<string, unknown>[]));
    cursor = page.cursor;
  } while (cursor);
  const asc = raw.order === "asc";
  all.sort((a, b) => {
    const d = Date.parse(String(a.timestamp)) - Date.parse(String(b.timestamp));
    const t = d || (String(a.id) < String(b.id) ? -1 : 1);
    return asc ? t : -t;
  });
  const limit = Number(raw.limit ?? 100);
  const offset = Number(raw.cursor ?? 0);
  const logs = all.slice(offset, offset + limit);
  const next = offset + limit < all.length ? String(offset + limit) : null;
  return c.json({ logs, cursor: next, scanned: { kvBatches: all.length } });
});
