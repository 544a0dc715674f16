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
    summary: "Search entries wherever they are (KV and R2), newest first",
    description:
      "Deduplicated by `id`, sorted by `timestamp` (ties by `id`). Each request has a bounded scan: a page may " +
      "hold fewer than `limit` entries while `cursor` is not null; following `cursor` until null returns every " +
      "matching entry in the range exactly once, in order. `scanned` says what the request read.",
    auth: "read",
    query: searchQuerySchema,
    responses: {
      200: { description: "`{ logs, cursor, scanned }`" },
      400: "invalid_query: a parameter is out of range, or since is after until; invalid_cursor: start again without the cursor",
    },
  },
];
