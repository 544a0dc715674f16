/**
 * The logger: collects the entries of one request (or one cron run) and sends
 * them together on `flush()`, so a request costs one service-binding call.
 * What it holds is capped: past `maxEntries` or `maxBytes`, entries are
 * counted, not kept, and the flush adds one line saying how many were dropped.
 */
import { copyForLog, type KeyMatcher, keyMatcher, type RedactConfig } from "./redact";
import { LOG_LEVELS, type LogLevel, levelRank } from "./schema";
import { deliver, type Entry, type IngestBinding, type SendOptions, type WaitUntil } from "./send";

/** Structured fields of an entry; errors anywhere in them are serialized. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Writes one entry at a fixed level; an `Error` as `fields` is logged as `{ err }`. */
export type LogMethod = (message: string, fields?: LogFields | Error) => void;

/**
 * A logger. Methods never throw.
 * @example
 * log.info("user signed in", { userId });
 * log.error("payment failed", err);           // under `err`, with its cause chain
 * const db = log.child({ component: "db" });  // same batch, one more field
 */
export interface Logger {
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  readonly fatal: LogMethod;
  /** A logger adding `fields` (redacted and copied now) to every entry; it shares this logger's buffer. */
  child(fields: LogFields): Logger;
  /**
   * Sends what was logged (inside `ctx.waitUntil` when there is a ctx) and
   * resolves once every send of this logger settled; never rejects. Lines
   * logged after a flush are sent on their own, a microtask later.
   */
  flush(): Promise<void>;
}

/** Caps on what a logger holds between sends (for the middleware's logger: one request). */
export interface LogLimits {
  /** Entries kept; later ones are counted as dropped. Default 1,000. */
  maxEntries?: number;
  /** Approximate JSON bytes kept (one entry counts at most ~32 KB). Default 1 MiB. */
  maxBytes?: number;
}

/**
 * @example createLogger({ binding: env.log_worker, ctx, service: "auth-worker", level: "debug" });
 */
export interface LoggerOptions {
  /** The service binding to log-worker's `LogIngest` (`env.log_worker`). */
  binding: IngestBinding | undefined;
  /** The invocation's context; without one, await `flush()`. */
  ctx?: WaitUntil | null;
  /** The worker's name, on every entry. */
  service: string;
  /** Minimum level kept. Default "info". */
  level?: LogLevel;
  /** Fields on every entry. */
  fields?: LogFields;
  /** The request id, on every entry. */
  requestId?: string;
  /** Redaction; on by default. */
  redact?: RedactConfig;
  limits?: LogLimits;
  /** Retry settings of the sends. */
  send?: Omit<SendOptions, "redact">;
}

export const LOG_LIMIT_DEFAULTS = { maxEntries: 1_000, maxBytes: 1024 * 1024 } as const;

/** State shared by a logger and its children. */
interface Shared {
  options: LoggerOptions;
  minRank: number;
  isSensitive: KeyMatcher;
  maxEntries: number;
  maxBytes: number;
  buffer: Entry[];
  bytes: number;
  dropped: number;
  sends: Set<Promise<void>>;
  flushed: boolean;
  scheduled: boolean;
}

/**
 * A logger that buffers entries and sends them as one batch on `flush()`.
 * @example
 * async scheduled(controller, env) {
 *   const log = createLogger({ binding: env.log_worker, service: "mailer" });
 *   log.info("cron ran", { cron: controller.cron });
 *   await log.flush();
 * }
 */
export function createLogger(options: LoggerOptions): Logger {
  const shared: Shared = {
    options,
    minRank: levelRank(options.level ?? "info"),
    isSensitive: keyMatcher(options.redact),
    maxEntries: options.limits?.maxEntries ?? LOG_LIMIT_DEFAULTS.maxEntries,
    maxBytes: options.limits?.maxBytes ?? LOG_LIMIT_DEFAULTS.maxBytes,
    buffer: [],
    bytes: 0,
    dropped: 0,
    sends: new Set(),
    flushed: false,
    scheduled: false,
  };
  const bound = { service: options.service, ...(options.requestId ? { requestId: options.requestId } : {}) };
  return makeLogger(shared, bound, options.fields);
}

function makeLogger(shared: Shared, parent: Entry, fields: LogFields | undefined): Logger {
  const own = fields ? (copyForLog(fields, shared.isSensitive).value as Entry) : {};
  const bound = { ...parent, ...own };
  const at =
    (level: LogLevel): LogMethod =>
    (message, fields) => {
      if (levelRank(level) < shared.minRank) return;
      try {
        write(shared, bound, level, message, fields);
      } catch {
        // Logging never breaks the caller; a value that cannot be copied is counted as dropped.
        shared.dropped++;
      }
    };
  const [debug, info, warn, error, fatal] = LOG_LEVELS.map(at) as [
    LogMethod,
    LogMethod,
    LogMethod,
    LogMethod,
    LogMethod,
  ];
  return {
    debug,
    info,
    warn,
    error,
    fatal,
    child: (childFields) => makeLogger(shared, bound, childFields),
    flush: () => {
      shared.flushed = true;
      startSend(shared);
      return Promise.all(shared.sends).then(() => undefined);
    },
  };
}

function write(
  shared: Shared,
  bound: Entry,
  level: LogLevel,
  message: string,
  fields?: LogFields | Error,
): void {
  if (shared.buffer.length >= shared.maxEntries || shared.bytes >= shared.maxBytes) {
    shared.dropped++;
    return;
  }
  const copy = copyForLog(fields instanceof Error ? { err: fields } : (fields ?? {}), shared.isSensitive);
  if (shared.bytes + copy.size > shared.maxBytes) {
    shared.dropped++;
    return;
  }
  shared.bytes += copy.size + message.length;
  shared.buffer.push({
    ...bound,
    ...(copy.value as Entry),
    level,
    message: message.length > 0 ? message.slice(0, 8192) : "(no message)",
    // Stamped now: the batch is sent later, and log-worker would use its own receive time.
    timestamp: new Date().toISOString(),
  });
  if (shared.flushed && !shared.scheduled) {
    // After the first flush, each synchronous run of lines goes out as one more send.
    shared.scheduled = true;
    queueMicrotask(() => {
      shared.scheduled = false;
      startSend(shared);
    });
  }
}

function startSend(shared: Shared): void {
  if (shared.dropped > 0) {
    const { service, requestId } = shared.options;
    shared.buffer.push({
      level: "warn",
      message: `log-service: ${shared.dropped} entries dropped: this logger holds at most ${shared.maxEntries} entries and ~${shared.maxBytes} bytes`,
      service,
      ...(requestId ? { requestId } : {}),
      droppedEntries: shared.dropped,
      timestamp: new Date().toISOString(),
    });
    shared.dropped = 0;
  }
  if (shared.buffer.length === 0) return;
  shared.bytes = 0;
  const { binding, ctx, send } = shared.options;
  const sending = deliver(binding, ctx, shared.buffer.splice(0), send ?? {});
  shared.sends.add(sending);
  void sending.finally(() => shared.sends.delete(sending));
}
