/**
 * log-worker's HTTP plumbing: scoped-key auth (auth.ts, keys.ts), the JSON error path
 * (errors.ts, from @log-service/http), query-string validation with
 * @hono/zod-validator (query.ts) and
 * `/health` (health.ts).
 */
export { requireScope } from "./auth";
export { ApiError, methodNotAllowed, notFound, onError } from "./errors";
export { handleHealth } from "./health";
export { invalidQuery, limitParam, parseQuery, validQuery } from "./query";
