/**
 * Trace events → log entries. Pure: no bindings, no clock.
 *
 * Each `TraceItem` (one invocation of a producer) gives its `console.*` lines,
 * its uncaught exceptions and one invocation entry, all with `source: "tail"`,
 * the producer as `service` and the request's `X-Request-Id` as `requestId`.
 * Lost-entries lines of the client are taken out (see lost.ts). Trace events
 * cross a trust boundary: any field may be missing or of another type, and a
 * malformed event yields what can be read of it, never an exception.
 */
import { redact } from "@log-service/client";
import type { LogLevel } from "@log-service/client/schema";
import type { CapturedEntry, CapturedError } from "./captured";
import { invocationEntry, invocationOf, MAX_SERVICE_CHARS } from "./invocation";
import { type LostBatch, lostBatch } from "./lost";
import { asArray, asEpochMs, asRecord, asString, type Fields } from "./read";
import type { TailCapture } from "./settings";
import { asText, bounded, cut } from "./text";

/** A lost batch, with the console entry its line becomes if the batch cannot be stored. */
export interface RecoverableBatch extends LostBatch {
  fallback: CapturedEntry;
}

/** What one tail delivery holds once mapped. */
export interface Capture {
  entries: CapturedEntry[];
  /** Batches the client reported lost, to store under their own idempotency keys. */
  lost: RecoverableBatch[];
  /** Events skipped by the loop guard (log-worker's own, or a tail invocation). */
  ignored: number;
}

/** log-worker's script name and ingest entrypoint: its own events are never captured. */
export const OWN_SCRIPT_NAME = "log-worker";
export const OWN_ENTRYPOINT = "LogIngest";

/**
 * The client's redaction with its default rules (the only use of it here): the
 * same keys are withheld as in entries sent through the client.
 */
const redactValue = (value: unknown): unknown => redact(value);

/** Strings longer than this are not tried as JSON for redaction (they are cut anyway). */
const MAX_JSON_REDACT_CHARS = 256 * 1024;

/** `console.*` method → level. `log` is info; anything unknown is info too. */
export function consoleLevel(level: unknown): LogLevel {
  switch (level) {
    case "debug":
    case "trace":
      return "debug";
    case "warn":
      return "warn";
    case "error":
      return "error";
    default:
      return "info";
  }
}

/**
 * True for events tail capture must never store, so nothing can loop:
 * log-worker's own invocations (by script name, or by its ingest entrypoint,
 * since locally every script name is null), and tail invocations themselves
 * (a tail worker's trace, should log-worker ever be made its own consumer).
 */
export function isOwnEvent(item: Fields): boolean {
  if (item.scriptName === OWN_SCRIPT_NAME || item.entrypoint === OWN_ENTRYPOINT) return true;
  const event = asRecord(item.event);
  return event !== null && Array.isArray(event.consumedEvents);
}

/**
 * A console argument as text. Strings stay as they are, except a string that
 * is a JSON object or array (structured logging): it is redacted like an
 * object, and rewritten only when something in it was redacted. Everything
 * else is redacted and written as JSON.
 */
export function argumentText(arg: unknown): string {
  if (typeof arg !== "string") return asText(redactValue(arg));
  const start = arg.trimStart()[0];
  if ((start !== "{" && start !== "[") || arg.length > MAX_JSON_REDACT_CHARS) return arg;
  let parsed: unknown;
  try {
    parsed = JSON.parse(arg);
  } catch {
    return arg;
  }
  const before = JSON.stringify(parsed);
  const after = JSON.stringify(redactValue(parsed));
  return after === before ? arg : after;
}

/** The first error among a console call's arguments, as the platform describes it (`errorInfo`). */
function errorOfLog(log: Fields): CapturedError | undefined {
  for (const info of asArray(log.errorInfo)) {
    const e = asRecord(info);
    if (!e) continue;
    const name = asString(e.name);
    const message = asString(e.message);
    if (name === undefined && message === undefined) continue;
    return errorFields(name, message, asString(e.stack));
  }
  return undefined;
}

function errorFields(
  name: string | undefined,
  message: string | undefined,
  stack: string | undefined,
): CapturedError {
  return {
    name: name || "Error",
    message: message ?? "",
    ...(stack ? { stack } : {}),
  };
}

/**
 * Entries and lost batches of one tail delivery.
 *
 * `errors` keeps console warn/error lines, exceptions, and the invocation entry
 * of a failed invocation (outcome other than `ok`, or a response ≥ 500); the
 * invocation entry is also kept when anything else of that invocation was,
 * so a captured line always has its method, path and status next to it.
 * `all` keeps every line and one invocation entry per event.
 * Lost-entries lines are taken out whatever the setting.
 */
export function captureEvents(events: unknown, mode: TailCapture): Capture {
  const capture: Capture = { entries: [], lost: [], ignored: 0 };
  for (const raw of asArray(events)) {
    const item = asRecord(raw);
    if (!item) continue;
    if (isOwnEvent(item)) {
      capture.ignored++;
      continue;
    }
    captureEvent(item, mode, capture);
  }
  return capture;
}

function captureEvent(item: Fields, mode: TailCapture, capture: Capture): void {
  const invocation = invocationOf(asRecord(item.event));
  const scriptName = asString(item.scriptName);
  const service = scriptName ? cut(scriptName, MAX_SERVICE_CHARS).text : invocation.host;
  const eventTime = asEpochMs(item.eventTimestamp);
  const common = {
    source: "tail" as const,
    ...(service ? { service } : {}),
    ...(invocation.requestId ? { requestId: invocation.requestId } : {}),
  };
  const at = (value: unknown) => {
    const t = asEpochMs(value) ?? eventTime;
    return t === undefined ? {} : { timestamp: t };
  };
  let kept = 0;

  for (const rawLog of asArray(item.logs)) {
    const log = asRecord(rawLog);
    if (!log) continue;
    const args = Array.isArray(log.message) ? log.message : [log.message];
    const level = consoleLevel(log.level);
    const lost = lostBatch(args);
    if (!lost && mode === "errors" && level !== "warn" && level !== "error") continue;
    const err = errorOfLog(log);
    const entry = bounded({
      level,
      message: args.map(argumentText).join(" ") || "(empty console line)",
      ...at(log.timestamp),
      ...common,
      kind: "console" as const,
      ...(err ? { err } : {}),
    });
    if (lost) {
      // Stored under the client's own key; the line itself only if that fails.
      capture.lost.push({ ...lost, fallback: entry });
      continue;
    }
    capture.entries.push(entry);
    kept++;
  }

  for (const rawException of asArray(item.exceptions)) {
    const exception = asRecord(rawException);
    if (!exception) continue;
    const err = errorFields(asString(exception.name), asString(exception.message), asString(exception.stack));
    capture.entries.push(
      bounded({
        level: "error" as const,
        message: err.message ? `${err.name}: ${err.message}` : err.name,
        ...at(exception.timestamp),
        ...common,
        kind: "exception" as const,
        err,
      }),
    );
    kept++;
  }

  const outcome = asString(item.outcome);
  const failed = outcome !== undefined && outcome !== "ok";
  const status = invocation.status;
  if (mode === "all" || failed || (status !== undefined && status >= 500) || kept > 0) {
    capture.entries.push(invocationEntry(item, invocation, outcome, failed, common, at(undefined)));
  }
}
