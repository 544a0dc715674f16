/**
 * Hono middleware: a logger per request, a request id, and one summary line
 * per request, sent as one batch after the response is produced.
 */

import type { Context, MiddlewareHandler } from "hono";
import { createLogger, type LogFields, type Logger } from "./logger";
import type { RedactConfig } from "./redact";
import { optionReader, safely } from "./safely";
import type { LogLevel } from "./schema";
import type { SendOptions, WaitUntil } from "./send";
import type { LogBinding } from "./transport";

/** Variables the middleware sets on the context: `c.var.log`, `c.var.requestId`. */
export interface RequestLoggerVariables {
  /** This request's logger; every entry carries `requestId`. */
  log: Logger;
  /** The request id: the caller's `X-Request-Id` when valid, else a random UUID. */
  requestId: string;
}

/**
 * The middleware's part of an app's env type.
 * @example const app = new Hono<{ Bindings: Env } & RequestLoggerEnv>();
 */
export type RequestLoggerEnv = { Variables: RequestLoggerVariables };

/** An incoming request id is reused only when it is this shape (no header or log injection). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Options of {@link requestLogger}; only `service` is required.
 * @example
 * requestLogger({ service: "billing", level: "debug", binding: (c) => c.env.LOGS, fields: { region: "eu" } });
 */
export interface RequestLoggerOptions {
  /** Name of the worker, on every entry. */
  service: string;
  /** Where the service binding is; default `c.env.log_worker`. */
  binding?: (c: Context) => LogBinding | null | undefined;
  /** Minimum level kept; default "info". */
  level?: LogLevel;
  /** Fields on every entry of every request. */
  fields?: LogFields;
  /** Redaction of sensitive keys; on by default. `false` turns it off. */
  redact?: RedactConfig;
  /** Header read and echoed for the request id; default "X-Request-Id". */
  requestIdHeader?: string;
  /** Retry and transport settings for the sends. */
  send?: Omit<SendOptions, "redact">;
}

const defaultBinding = (c: Context): LogBinding | undefined =>
  (c.env as { log_worker?: LogBinding } | undefined)?.log_worker;

/**
 * Gives every request `c.var.log` and `c.var.requestId`, echoes the id in the
 * response's `X-Request-Id`, and logs one summary line per request (method,
 * path, status, durationMs, and `err` when the handler threw; level error for
 * 5xx, warn for 4xx, else info). The request's entries are sent once, through
 * `c.executionCtx.waitUntil`, after the response is produced: the response
 * never waits for logging.
 *
 * @example
 * const app = new Hono<{ Bindings: Env } & RequestLoggerEnv>();
 * app.use(requestLogger({ service: "auth-worker" }));
 * app.get("/me", (c) => {
 *   c.var.log.info("profile viewed", { userId: "u_1" });
 *   return c.json({ requestId: c.var.requestId });
 * });
 */
export function requestLogger<E extends RequestLoggerEnv = RequestLoggerEnv>(
  options: RequestLoggerOptions,
): MiddlewareHandler<E> {
  // Read once, at setup; a hostile option (a throwing getter) counts as unset.
  const read = optionReader(options);
  const configured = read("requestIdHeader");
  const header = typeof configured === "string" && configured.length > 0 ? configured : "X-Request-Id";
  const getBinding = read("binding") ?? defaultBinding;
  const loggerOptions = {
    service: read("service") as string,
    level: read("level"),
    fields: read("fields"),
    redact: read("redact"),
    send: read("send"),
  };
  return async function requestLogger(c, next) {
    const startedAt = Date.now();
    // Nothing before next() may throw: the handler relies on c.var.log and c.var.requestId.
    const requestId = incomingId(c, header) ?? newRequestId();
    const log = createLogger({
      ...loggerOptions,
      binding: safely(() => getBinding(c)),
      ctx: executionContext(c),
      requestId,
    });
    safely(() => {
      c.set("log", log);
      c.set("requestId", requestId);
    });

    let thrown: { value: unknown } | undefined;
    try {
      await next();
    } catch (err) {
      // Hono hands Errors to app.onError inside next(); only other thrown values reach here.
      thrown = { value: err };
      throw err;
    } finally {
      summarise(c, log, startedAt, thrown);
      if (!thrown) setHeader(c, header, requestId);
      // flush() hands the batch to ctx.waitUntil itself; the response does not wait for it.
      void log.flush();
    }
  };
}

function incomingId(c: Context, header: string): string | undefined {
  return safely(() => {
    const incoming = c.req.header(header);
    return incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : undefined;
  });
}

function newRequestId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  }
}

/** The summary line: level by status, the error under `err` when the handler threw. */
function summarise(c: Context, log: Logger, startedAt: number, thrown: { value: unknown } | undefined): void {
  try {
    const status = thrown ? 500 : c.res.status;
    const fields: Record<string, unknown> = {
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Date.now() - startedAt,
    };
    const error = thrown ? thrown.value : c.error;
    if (error !== undefined) fields.err = error;
    const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
    log.log(level, `${c.req.method} ${c.req.path} ${status}`, fields);
  } catch {
    // A summary that cannot be built must not replace the response.
  }
}

function executionContext(c: Context): WaitUntil | undefined {
  try {
    return c.executionCtx;
  } catch {
    // app.request() in tests, or a runtime without one: flush still runs, un-awaited.
    return undefined;
  }
}

function setHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    try {
      // Immutable headers (a response passed through from fetch): answer with a copy.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(name, value);
    } catch {
      // Without the header the response is still right; never fail it for this.
    }
  }
}
