/**
 * @log-service/client: log from any worker to log-worker over a service binding.
 *
 * - `requestLogger()`: Hono middleware, `c.var.log` and one batch per request.
 * - `createLogger()`: the same logger outside Hono (scheduled, queue handlers).
 * - `sendLog()`: send entries directly, fire-and-forget.
 * - `redact()`, `serializeError()`: what the logger applies to every entry.
 */

export { createLogger, type LogFields, type Logger, type LoggerOptions, type LogMethod } from "./logger";
export {
  REQUEST_ID_PATTERN,
  type RequestLoggerEnv,
  type RequestLoggerOptions,
  type RequestLoggerVariables,
  requestLogger,
} from "./middleware";
export {
  DEFAULT_REDACT_KEYS,
  keyWords,
  normaliseKey,
  QUANTITY_WORDS,
  REDACTED,
  type RedactConfig,
  redact,
} from "./redact";
export * from "./schema";
export { DEFAULT_LOG_URL, REPORT_LIMITS, type SendOptions, sendLog, type WaitUntil } from "./send";
export { type SerializedError, serializeError } from "./serialize-error";
export { type LogBinding, RETRY_DEFAULTS, type RetryOptions } from "./transport";
