/**
 * Hono middleware: a logger and a request id per request, and one summary line
 * per request, all sent as one batch after the response is produced.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createLogger, type Logger, type LoggerOptions } from "./logger";
import { errorMessage } from "./redact";
import type { IngestBinding } from "./send";

/** What the middleware sets: `c.var.log` and `c.var.requestId`. */
export interface RequestLoggerVariables {
  log: Logger;
  requestId: string;
}

/**
 * The middleware's part of an app's env type.
 * @example const app = new Hono<{ Bindings: Env } & RequestLoggerEnv>();
 */
export type RequestLoggerEnv = { Variables: RequestLoggerVariables };

/**
 * @example requestLogger<AppEnv>({ service: "billing", level: "debug", binding: (c) => c.env.LOGS })
 */
export interface RequestLoggerOptions<E extends RequestLoggerEnv = RequestLoggerEnv>
  extends Pick<LoggerOptions, "service" | "level" | "fields" | "redact" | "limits" | "send"> {
  /**
   * Where the service binding is. Default `c.env.log_worker`. Naming it lets
   * the compiler check the binding's type (from `wrangler types`) against the client.
   */
  binding?: (c: Context<E>) => IngestBinding | undefined;
}

/** An incoming `X-Request-Id` is kept only in this shape (no header or log injection). */
const REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Gives every request `c.var.log` and `c.var.requestId` (a valid incoming
 * `X-Request-Id`, else a UUID, echoed in the response), and logs one summary
 * line: method, path (never the query), status, durationMs, level error for
 * 5xx and warn for 4xx. A 5xx carries the error under `err` with its stack and
 * cause; a 4xx only its name, code and message, since what the client sent
 * wrong (and a parser's message quoting it) is not worth a stack.
 * @example
 * const app = new Hono<{ Bindings: Env } & RequestLoggerEnv>();
 * app.use(requestLogger({ service: "auth-worker" }));
 * app.get("/me", (c) => {
 *   c.var.log.info("profile viewed", { userId: "u_1" });
 *   return c.json({ requestId: c.var.requestId });
 * });
 */
export function requestLogger<E extends RequestLoggerEnv = RequestLoggerEnv>(
  options: RequestLoggerOptions<E>,
): MiddlewareHandler<E> {
  const { binding = (c: Context<E>) => (c.env as { log_worker?: IngestBinding }).log_worker, ...rest } =
    options;
  return async function requestLogger(c, next) {
    const startedAt = Date.now();
    const incoming = c.req.header("X-Request-Id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const log = createLogger({ ...rest, binding: binding(c), ctx: executionContext(c), requestId });
    c.set("log", log);
    c.set("requestId", requestId);
    let thrown = false;
    try {
      await next();
    } catch (err) {
      // Hono hands Errors to app.onError inside next(); only other thrown values get here.
      thrown = true;
      throw err;
    } finally {
      const status = thrown ? 500 : c.res.status;
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
      log[level](`${c.req.method} ${c.req.path} ${status}`, {
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Date.now() - startedAt,
        ...(c.error === undefined ? {} : { err: status >= 500 ? c.error : clientError(c.error) }),
      });
      if (!thrown) setHeader(c, "X-Request-Id", requestId);
      void log.flush();
    }
  };
}

/** A 4xx's error: what was refused, without stack, cause or fields that may carry the request's input. */
function clientError(err: Error): Record<string, unknown> {
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: errorMessage(err), ...(typeof code === "string" ? { code } : {}) };
}

function executionContext(c: Context) {
  try {
    return c.executionCtx;
  } catch {
    // app.request() in tests: no ctx; the flush still runs, un-awaited.
    return undefined;
  }
}

function setHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    // Immutable headers (a response passed through from fetch): answer with a copy.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(name, value);
  }
}
