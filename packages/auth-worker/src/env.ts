/** Hono's view of auth-worker: bindings from `wrangler types`, `c.var.log` and `c.var.requestId` from the request logger. */
import type { RequestLoggerEnv } from "@log-service/client";

export type AppEnv = { Bindings: AuthEnv } & RequestLoggerEnv;
