/** `GET /debug/logs`: one search over the entries waiting in KV and those archived in R2. */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { validQuery } from "../http/query";
import type { OpenApiOperation } from "../openapi/operation";
import { searchLogs, searchQuerySchema } from "../search";

export const searchRoutes = new Hono<AppEnv>();

searchRoutes.get("/debug/logs", validQuery(searchQuerySchema), async (c) =>
  c.json(await searchLogs(c.env, c.req.valid("query"))),
);

export const openapi: OpenApiOperation[] = [
  {
    method: "get",
    path: "/debug/logs",
    summary: "Search waiting (KV) and archived (R2) entries together, by timestamp",
    description:
      "Deduplicated by `id`, sorted by `timestamp` (ties by `id`), newest first unless `order=asc`. " +
      "A page may hold fewer than `limit` entries while `cursor` is not null: follow `cursor` (with the same " +
      "filters) until it is null to get every matching entry in the range exactly once. `scanned` says what " +
      "the page read. See docs/search.md.",
    auth: "apiKey",
    query: searchQuerySchema,
    responses: {
      200: { description: "`{ logs, cursor, scanned }`" },
      400: "invalid_query: a parameter is out of range, or since is after until; invalid_cursor: start again without the cursor",
      503: "search_unavailable: too many batches wait in KV; run POST /flush",
    },
  },
];
