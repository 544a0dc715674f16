/**
 * What a route module declares about each of its operations, next to its
 * handler: the same zod schemas the handler validates with, plus the words a
 * reader needs. `document.ts` turns a list of them into OpenAPI 3.1.
 */
import type { z } from "zod";

/** A response other than an error: what it holds. */
export interface OpenApiResponse {
  description: string;
  /** Default `application/json`. */
  contentType?: string;
  /** The body's schema, when one is defined with zod. */
  schema?: z.ZodType;
}

export interface OpenApiOperation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** The path as OpenAPI writes it: `{name}` for a parameter (Hono's `:name` or a trailing `*`). */
  path: `/${string}`;
  summary: string;
  description?: string;
  /**
   * The key scope the route needs (http/keys.ts): a key of that scope or the
   * admin key, in `X-API-Key` (401, 403 and 500 `not_configured` are added);
   * `none`: public.
   */
  auth: "ingest" | "read" | "admin" | "none";
  /** The query schema the route validates with (`validQuery(schema)`). */
  query?: z.ZodObject;
  /** Path parameters, named as in `path`. */
  pathParams?: z.ZodObject;
  requestBody?: { description: string; contentType?: string; schema: z.ZodType };
  /**
   * By status. A string is an error answer (the shared `Error` body): say
   * which codes it carries and when, e.g. `"invalid_query: a parameter is out of range"`.
   */
  responses: Record<number, OpenApiResponse | string>;
}
