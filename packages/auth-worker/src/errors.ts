/**
 * One error path: handlers throw `ApiError`; `onError` turns it into the
 * contract's JSON body `{ error: { code, message } }`. Anything else becomes a
 * generic 500; the request logger's summary line carries the real error (as
 * `err`) to log-worker, so internals reach the logs but never the response.
 */
import type { ErrorBody } from "@log-service/client";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    /** HTTP status of the response. */
    readonly status: ContentfulStatusCode,
    /** Stable snake_case code that clients can branch on. */
    readonly code: string,
    /** Public message: what went wrong and what to do. Never holds secrets. */
    message: string,
    options?: { cause?: unknown; details?: unknown; headers?: Record<string, string> },
  ) {
    super(message, { cause: options?.cause });
    this.details = options?.details;
    this.headers = options?.headers;
  }

  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

export const onError: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  }
  return c.json(errorBody("internal_error", "Unexpected error; see the worker's logs."), 500);
};

export const notFound: NotFoundHandler = (c) =>
  c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}.`), 404);

/** A handler answering 405 for a known path called with the wrong method. */
export function methodNotAllowed(allowed: readonly string[]) {
  return function methodNotAllowed(c: Context): Response {
    return c.json(errorBody("method_not_allowed", `Use ${allowed.join(" or ")} for ${c.req.path}.`), 405, {
      Allow: allowed.join(", "),
    });
  };
}
