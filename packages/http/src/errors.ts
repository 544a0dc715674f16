/**
 * The error side of the HTTP contract, for workers that serve it with Hono:
 * every error is `{ "error": { "code", "message", "details"? } }`.
 *
 * One error path: handlers throw `ApiError`; `onError` turns it into that body.
 * Anything else is logged and answered with a generic 500, so internals reach
 * the logs but never the response.
 *
 * @example
 * import { ApiError, methodNotAllowed, notFound, onError } from "@log-service/http";
 * app.post("/thing", () => { throw new ApiError(409, "taken", "That name is taken; pick another."); });
 * app.all("/thing", methodNotAllowed(["POST"]));
 * app.notFound(notFound);
 * app.onError(onError);
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/** The JSON body of every error response (its schema also feeds the OpenAPI document). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable snake_case code that scripts can branch on"),
      message: z.string().describe("What went wrong and what to do"),
      details: z.unknown().optional().describe("Structured extras, e.g. the index of a bad entry"),
    }),
  })
  .describe("Every error answer: { error: { code, message, details? } }");
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** An error with a public status, code and message; `cause` stays private. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(
    /** HTTP status of the response. */
    readonly status: ContentfulStatusCode,
    /** Stable snake_case code that scripts can branch on. */
    readonly code: string,
    /** Public message: what went wrong and what to do. Never holds secrets. */
    message: string,
    options?: { cause?: unknown; details?: unknown; headers?: Record<string, string> },
  ) {
    super(message, { cause: options?.cause });
    this.details = options?.details;
    this.headers = options?.headers;
  }
}

/** The JSON body of an error response. */
export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/**
 * Errors whose message can quote the input they failed on: V8's JSON.parse
 * SyntaxError echoes the bytes around the bad token (a password, say), and a
 * ZodError's issues can quote values. Their message is withheld from logs.
 */
const INPUT_QUOTING_ERRORS = new Set(["SyntaxError", "ZodError", "$ZodError"]);

/** What the log line says about an unhandled error: never text taken from a request body. */
function describeError(err: Error): { name: string; message: string; stack?: string } {
  if (!INPUT_QUOTING_ERRORS.has(err.name)) return { name: err.name, message: err.message, stack: err.stack };
  // The stack's first line repeats the message; keep only the frames.
  const frames = err.stack?.split("\n").filter((line) => line.trimStart().startsWith("at "));
  return { name: err.name, message: "(withheld: it can quote the input)", stack: frames?.join("\n") };
}

/** `app.onError(onError)`: ApiError → its JSON; anything else → logged, generic 500. */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  }
  try {
    console.error(
      JSON.stringify({
        level: "error",
        message: "unhandled error",
        method: c.req.method,
        path: c.req.path,
        err: err instanceof Error ? describeError(err) : typeof err,
      }),
    );
  } catch {
    // An error whose properties throw still gets its generic 500.
    console.error('{"level":"error","message":"unhandled error (not serializable)"}');
  }
  return c.json(errorBody("internal_error", "Unexpected error; see the worker's logs."), 500);
};

/** `app.notFound(notFound)`: a JSON 404 naming the method and path. */
export const notFound: NotFoundHandler = (c) =>
  c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}.`), 404);

/** A handler answering 405 (with `Allow`) for a known path called with the wrong method. */
export function methodNotAllowed(allowed: readonly string[]) {
  return function methodNotAllowed(c: Context): Response {
    return c.json(errorBody("method_not_allowed", `Use ${allowed.join(" or ")} for ${c.req.path}.`), 405, {
      Allow: allowed.join(", "),
    });
  };
}
