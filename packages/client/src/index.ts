/**
 * @log-service/client: log from any worker to log-worker over a service binding.
 *
 * - `requestLogger()`: Hono middleware; `c.var.log`, a request id, one batch per request.
 * - `createLogger()`: the same logger outside Hono (scheduled, queue handlers).
 * - `sendLog()`: send entries directly, fire-and-forget.
 * See docs/client.md.
 */
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLimits,
  type LogMethod,
} from "./logger";
export {
  type RequestLoggerEnv,
  type RequestLoggerOptions,
  type RequestLoggerVariables,
  requestLogger,
} from "./middleware";
export { DEFAULT_REDACT_KEYS, type RedactConfig, redact } from "./redact";
export type { IngestOptions, IngestResult, LogEntryInput, LogLevel, StoredLogEntry } from "./schema";
export { type IngestBinding, type SendOptions, sendLog, type WaitUntil } from "./send";
