/**
 * Query-string validation for every route: `@hono/zod-validator` with one hook,
 * so every bad parameter answers the same `400 invalid_query` naming each
 * parameter and what it must be.
 *
 * @example
 * routes.get("/debug/thing", validQuery(thingQuerySchema), (c) => c.json(list(c.req.valid("query"))));
 */
import { zValidator } from "@hono/zod-validator";
import { timestampSchema } from "@log-service/client/schema";
import { z } from "zod";
import { ApiError } from "./errors";

/** The one 400 for a bad query string: each issue as `param: what it must be`. */
export function invalidQuery(error: z.core.$ZodError): ApiError {
  const issues = error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`);
  return new ApiError(400, "invalid_query", issues.join("; "), { details: { issues } });
}

/** Validates `c.req.query()` with `schema`; the handler reads the result with `c.req.valid("query")`. */
export function validQuery<S extends z.ZodType>(schema: S) {
  return zValidator("query", schema, (result) => {
    if (!result.success) throw invalidQuery(result.error);
  });
}

/**
 * Validates a query record outside a route's middleware chain (e.g. a tool
 * call that reuses a route's schema); routes use `validQuery`.
 */
export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw invalidQuery(parsed.error);
  return parsed.data;
}

/** `limit`: a whole number from 1 to 1000, default 100. */
export const limitParam = z.coerce
  .number({ error: "must be a whole number from 1 to 1000" })
  .int("must be a whole number from 1 to 1000")
  .min(1, "must be a whole number from 1 to 1000")
  .max(1000, "must be a whole number from 1 to 1000")
  .default(100);

/**
 * `since` / `until`: ISO-8601 with an offset, or epoch milliseconds (a digit
 * string from a query string, or a number from an MCP tool call); parses to epoch ms.
 */
export const instantParam = z.union([z.string(), z.number()]).transform((s, ctx) => {
  const parsed = timestampSchema.safeParse(typeof s === "string" && /^\d+$/.test(s) ? Number(s) : s);
  if (parsed.success) return parsed.data;
  ctx.addIssue({
    code: "custom",
    message: "must be an ISO-8601 date-time with a time zone, or epoch milliseconds (1970 to 9999)",
  });
  return z.NEVER;
});
