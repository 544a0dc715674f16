/**
 * The request-scoped logger: collects a request's entries and sends them as
 * one batch, so a request costs one service-binding call however much it logs.
 */

import { keyMatcher, type RedactConfig, toJsonSafe } from "./redact";
import { optionReader } from "./safely";
import { INGEST_LIMITS, LOG_LEVELS, type LogLevel, levelRank } from "./schema";
import { type PreparedEntry, type SendOptions, sendPrepared, type WaitUntil } from "./send";
import { isError } from "./serialize-error";
import type { LogBinding } from "./transport";

/** Structured fields of an entry; any JSON-like values, errors included. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Writes one entry at a fixed level. A plain `Error` as `fields` is logged as `{ err }`. */
export type LogMethod = (message: string, fields?: LogFields | Error) => void;

/**
 * A logger; every method is safe to call anywhere and never throws, whatever
 * it is given: a field whose getter throws is logged as "[Unreadable]", a value
 * that cannot be copied (a throwing `toJSON`, a hostile Proxy) as
 * "[Unserializable]", and the rest of the line is kept.
 * @example
 * log.info("user signed in", { userId });
 * log.error("payment failed", err);              // the error goes under `err`
 * const dbLog = log.child({ component: "db" });  // same batch, extra field
 */
export interface Logger {
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  readonly fatal: LogMethod;
  /** Writes one entry at `level`. */
  log(level: LogLevel, message: string, fields?: LogFields | Error): void;
  /**
   * A logger adding `fields` to every entry; it shares this logger's buffer
   * and flush. The fields are copied (shallowly) now; their values are
   * redacted and copied when each line is logged.
   */
  child(fields: LogFields): Logger;
  /** Whether entries at `level` are kept (at or above the minimum level). */
  isLevelEnabled(level: LogLevel): boolean;
  /**
   * Sends what was logged so far (through `ctx.waitUntil` when the logger has a
   * ctx) and resolves once every send of this logger settled. Never rejects.
   * Lines logged after the first flush are sent on their own, a microtask later.
   */
  flush(): Promise<void>;
  /** The minimum level. */
  readonly level: LogLevel;
}

/**
 * Options of {@link createLogger}; `binding` and `service` are required.
 * @example createLogger({ binding: env.log_worker, ctx, service: "auth-worker", level: "debug", requestId });
 */
export interface LoggerOptions {
  /** The service binding to log-worker (`env.log_worker`). */
  binding: LogBinding | null | undefined;
  /** The request's context: sends go through `ctx.waitUntil`. Without one, await `flush()`. */
  ctx?: WaitUntil | null;
  /** Name of the worker, on every entry. */
  service: string;
  /** Minimum level kept; default "info". */
  level?: LogLevel;
  /** Fields on every entry. */
  fields?: LogFields;
  /** The request id, on every entry. */
  requestId?: string;
  /** Redaction of sensitive keys; on by default. `false` turns it off. */
  redact?: RedactConfig;
  /** Retry and transport settings for the sends. */
  send?: Omit<SendOptions, "redact">;
}

/** State shared by a logger and all its children. */
interface Shared {
  binding: LogBinding | null | undefined;
  ctx: WaitUntil | null | undefined;
  minRank: number;
  isSensitive: ((key: string) => boolean) | null;
  send: SendOptions;
  buffer: PreparedEntry[];
  inFlight: Set<Promise<void>>;
  /** After the first flush, every line triggers its own (coalesced) send. */
  flushedOnce: boolean;
  flushScheduled: boolean;
}

/**
 * Creates a logger that buffers entries and sends them in one batch on `flush()`.
 * Entries are redacted and copied when logged, so later changes to the objects
 * passed in do not change what is sent.
 *
 * @example
 * // A queue consumer: no ctx, so await the flush.
 * async queue(batch, env) {
 *   const log = createLogger({ binding: env.log_worker, service: "mailer", level: "debug" });
 *   for (const msg of batch.messages) log.child({ messageId: msg.id }).debug("processing");
 *   log.warn("mail bounced", { to: "a@example.com", err: new Error("550") });
 *   await log.flush(); // one binding call for all of the above
 * }
 */
export function createLogger(options: LoggerOptions): Logger {
  // Every option is read once, and a hostile one (a throwing getter) counts as unset.
  const read = optionReader(options);
  const level = read("level");
  const shared: Shared = {
    binding: read("binding"),
    ctx: read("ctx"),
    minRank: levelRank(LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : "info"),
    // Unreadable: undefined, so the default redaction applies (never "off").
    isSensitive: keyMatcher(read("redact")),
    // The logger redacts when a line is logged; the send must not redact again.
    send: { ...copyFields(read("send")), redact: false },
    buffer: [],
    inFlight: new Set(),
    flushedOnce: false,
    flushScheduled: false,
  };
  const base: Record<string, unknown> = {};
  const service = read("service");
  if (service !== undefined) base.service = service;
  const requestId = read("requestId");
  if (requestId !== undefined) base.requestId = requestId;
  return makeLogger(shared, { ...base, ...copyFields(read("fields")) });
}

function makeLogger(shared: Shared, bound: LogFields): Logger {
  const log = (level: LogLevel, message: string, fields?: LogFields | Error) => {
    try {
      if (levelRank(level) < shared.minRank) return;
      shared.buffer.push(buildEntry(shared, bound, level, message, fields));
      if (shared.buffer.length >= INGEST_LIMITS.maxEntries) startSend(shared);
      else if (shared.flushedOnce) scheduleFlush(shared);
    } catch {
      // Logging must never break the caller.
    }
  };
  const at =
    (level: LogLevel): LogMethod =>
    (message, fields) =>
      log(level, message, fields);
  return {
    level: LOG_LEVELS[shared.minRank] ?? "info",
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    log,
    child: (fields) => {
      try {
        return makeLogger(shared, { ...bound, ...copyFields(fields) });
      } catch {
        return makeLogger(shared, bound);
      }
    },
    isLevelEnabled: (level) => levelRank(level) >= shared.minRank,
    flush: () => {
      try {
        shared.flushedOnce = true;
        startSend(shared);
        return Promise.all([...shared.inFlight]).then(noop, noop);
      } catch {
        return Promise.resolve();
      }
    },
  };
}

/**
 * A shallow copy of the fields a caller passed, which cannot throw: a property
 * whose getter throws becomes "[Unreadable]", and fields that cannot be listed
 * at all (a Proxy whose traps throw, a revoked Proxy) become
 * `{ fields: "[Unreadable]" }`. A lone primitive is kept as `{ fields: value }`.
 */
function copyFields(fields: unknown): Record<string, unknown> {
  if (fields === null || fields === undefined) return {};
  switch (typeof fields) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return { fields };
    case "function":
    case "symbol":
      return {};
  }
  try {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(fields as object)) {
      try {
        out[key] = (fields as Record<string, unknown>)[key];
      } catch {
        out[key] = UNREADABLE;
      }
    }
    return out;
  } catch {
    return { fields: UNREADABLE };
  }
}

const UNREADABLE = "[Unreadable]";

/**
 * One entry: bound fields, then the call's fields, then level, message and
 * timestamp (which fields cannot override). An `Error` among the call's
 * top-level fields is moved under `err` when `err` is free.
 */
function buildEntry(
  shared: Shared,
  bound: LogFields,
  level: LogLevel,
  message: string,
  fields: LogFields | Error | undefined,
): PreparedEntry {
  const direct = isError(fields);
  let own: Record<string, unknown> = direct ? { err: fields } : copyFields(fields);
  if (!direct && own.err === undefined) {
    const errorKey = Object.keys(own).find((key) => isError(own[key]));
    if (errorKey !== undefined) {
      const { [errorKey]: err, ...rest } = own;
      own = { ...rest, err };
    }
  }
  const safe = toJsonSafe({ ...bound, ...own }, shared.isSensitive);
  return {
    ...(safe !== null && typeof safe === "object" && !Array.isArray(safe) ? safe : {}),
    level,
    message: messageText(message),
    // Stamped now: the batch is sent later, and log-worker would otherwise use its receive time.
    timestamp: new Date().toISOString(),
  };
}

function messageText(message: unknown): string {
  if (typeof message === "string") return message.length > 0 ? message : "(no message)";
  try {
    const text = String(message ?? "");
    return text.length > 0 ? text : "(no message)";
  } catch {
    return "(unprintable message)";
  }
}

function startSend(shared: Shared): void {
  if (shared.buffer.length === 0) return;
  const entries = shared.buffer.splice(0);
  const sending = sendPrepared(shared.binding, shared.ctx, entries, shared.send);
  shared.inFlight.add(sending);
  void sending.finally(() => shared.inFlight.delete(sending));
}

/** Coalesces the lines of one synchronous run after a flush into one send. */
function scheduleFlush(shared: Shared): void {
  if (shared.flushScheduled) return;
  shared.flushScheduled = true;
  queueMicrotask(() => {
    shared.flushScheduled = false;
    try {
      startSend(shared);
    } catch {
      // Nothing may escape into the runtime as an unhandled error.
    }
  });
}

function noop(): void {}
