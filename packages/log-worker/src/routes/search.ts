/** `GET /debug/logs`: one search over the entries waiting in KV and those archived in R2. */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { parseQuery } from "../http/query";
import { searchLogs, searchQuerySchema } from "../search";

export const searchRoutes = new Hono<AppEnv>();

searchRoutes.get("/debug/logs", async (c) => {
  const query = parseQuery(searchQuerySchema, c.req.query());
  return c.json(await searchLogs(c.env, query));
});
