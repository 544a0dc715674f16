/**
 * The query of `GET /debug/logs` (and the MCP `search_logs` tool), and its cursor.
 *
 * The cursor is a position in the result order, (timestamp, id): a page returns
 * the entries strictly after it. It also carries the resolved range and order,
 * so that `until = now` means the same instant on every page.
 */
import { LOG_LEVELS } from "@log-service/client/schema";
import { z } from "zod";
import { ApiError } from "../http/errors";
import { instantParam, limitParam } from "../http/query";

/** Query parameters as strings (what `c.req.query()` gives), parsed and checked. */
export const searchQuerySchema = z.object({
  since: instantParam.optional(),
  until: instantParam.optional(),
  level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).optional(),
  service: z.string().min(1, "must not be empty").optional(),
  requestId: z.string().min(1, "must not be empty").optional(),
  q: z.string().min(1, "must not be empty").max(1000, "must be at most 1000 characters").optional(),
  order: z.enum(["desc", "asc"], { error: "must be desc or asc" }).default("desc"),
  limit: limitParam,
  cursor: z.string().min(1, "must not be empty").optional(),
});
export type SearchQuery = z.output<typeof searchQuerySchema>;

/** Default range when `since` is not given: the 24 hours up to `until`. */
export const DEFAULT_RANGE_MS = 24 * 3600_000;

export type Order = "desc" | "asc";

/**
 * A position in the result order. `id: null` stands just before every entry of
 * instant `t` (the next page starts with them).
 */
export interface Position {
  t: number;
  id: string | null;
}

export interface CursorState {
  order: Order;
  since: number;
  until: number;
  after: Position;
}

const cursorSchema = z.object({
  v: z.literal(1),
  o: z.enum(["desc", "asc"]),
  s: z.number().int(),
  u: z.number().int(),
  t: z.number().int(),
  i: z.string().nullable(),
});

export function encodeCursor(state: CursorState): string {
  const json = JSON.stringify({
    v: 1,
    o: state.order,
    s: state.since,
    u: state.until,
    t: state.after.t,
    i: state.after.id,
  });
  const bytes = new TextEncoder().encode(json);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): CursorState {
  try {
    const b64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
    const c = cursorSchema.parse(JSON.parse(json));
    if (c.s > c.u) throw new Error("range reversed");
    return { order: c.o, since: c.s, until: c.u, after: { t: c.t, id: c.i } };
  } catch (err) {
    throw new ApiError(
      400,
      "invalid_cursor",
      "The cursor is not one GET /debug/logs returned; start again without it.",
      { cause: err },
    );
  }
}

/**
 * The range, order and start position of a request: from the cursor when there
 * is one (its range and order win over the query's), else from the query.
 */
export function resolveQuery(query: SearchQuery, nowMs: number): CursorState {
  if (query.cursor) return decodeCursor(query.cursor);
  const until = query.until ?? nowMs;
  const since = query.since ?? Math.max(0, until - DEFAULT_RANGE_MS);
  if (since > until) {
    throw new ApiError(400, "invalid_query", "since is after until: give a since at or before until.");
  }
  const order = query.order;
  return { order, since, until, after: { t: order === "desc" ? until : since, id: null } };
}
