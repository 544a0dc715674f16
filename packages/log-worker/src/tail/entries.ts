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
// The one import of the client's redaction: the same rules as entries sent through the client.
import { redact } from "@log-service/client";
import type { LogLevel } from "@log-service/client/schema";
import { type LostBatch, lostBatch } from "./lost";
import type { TailCapture } from "./settings";
import { asText, bounded, cut, MAX_FIELD_CHARS } from "./text";

/** What produced a captured entry. */
export type CapturedKind = "console" | "exception" | "invocation";

/** One captured entry, as handed to ingest. */
export interface CapturedEntry {
  [field: string]: unknown;
  level: LogLevel;
  message: string;
  /** Epoch ms from the platform; absent when it gave none (ingest then uses the receive time). */
  timestamp?: number;
  source: "tail";
  kind: CapturedKind;
  service?: string;
  requestId?: string;
  err?: CapturedError;
}

/** An error under `err`, as the platform reports it. */
export interface CapturedError {
  name: string;
  message: string;
  stack?: string;
}

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

/** Longest `service` kept (a script name is at most 63 characters; a host can be longer). */
const MAX_SERVICE_CHARS = 256;
/** Strings longer than this are not tried as JSON for redaction (they are cut anyway). */
const MAX_JSON_REDACT_CHARS = 256 * 1024;
/** Request ids the client's middleware adopts from `X-Request-Id` (it replaces any other). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
// Epoch ms the wire schema accepts (1970 … 9999).
const MAX_EPOCH_MS = 253_402_300_799_999;

type Fields = Record<string, unknown>;

function asRecord(value: unknown): Fields | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asEpochMs(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_EPOCH_MS
    ? value
    : undefined;
}

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
  if (typeof arg !== "string") return asText(redact(arg));
  const start = arg.trimStart()[0];
  if ((start !== "{" && start !== "[") || arg.length > MAX_JSON_REDACT_CHARS) return arg;
  let parsed: unknown;
  try {
    parsed = JSON.parse(arg);
  } catch {
    return arg;
  }
  const before = JSON.stringify(parsed);
  const after = JSON.stringify(redact(parsed));
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

/** What an invocation was, from its `event` (only the fields read here). */
interface Invocation {
  trigger: string;
  method?: string;
  /** Path only: the query string may carry secrets (tokens in links). */
  path?: string;
  host?: string;
  status?: number;
  requestId?: string;
  detail?: Fields;
}

function requestIdOf(headers: unknown): string | undefined {
  const h = asRecord(headers);
  if (!h) return undefined;
  // The platform gives lowercase names; tolerate any case.
  let value = h["x-request-id"];
  if (value === undefined) {
    const name = Object.keys(h).find((k) => k.toLowerCase() === "x-request-id");
    value = name === undefined ? undefined : h[name];
  }
  return typeof value === "string" && REQUEST_ID_PATTERN.test(value) ? value : undefined;
}

function invocationOf(event: Fields | null): Invocation {
  if (!event) return { trigger: "unknown" };
  const request = asRecord(event.request);
  if (request) {
    const out: Invocation = { trigger: "fetch" };
    const method = asString(request.method);
    if (method) out.method = cut(method, 32).text;
    const url = asString(request.url);
    if (url) {
      try {
        const parsed = new URL(url);
        out.path = cut(parsed.pathname, MAX_FIELD_CHARS).text;
        out.host = cut(parsed.host, MAX_SERVICE_CHARS).text;
      } catch {
        // Not a URL: keep what precedes a query string.
        out.path = cut(url.split("?")[0] ?? "", MAX_FIELD_CHARS).text;
      }
    }
    const status = asRecord(event.response)?.status;
    if (typeof status === "number" && Number.isInteger(status)) out.status = status;
    const requestId = requestIdOf(request.headers);
    if (requestId) out.requestId = requestId;
    return out;
  }
  const short = (v: unknown) => (typeof v === "string" ? cut(v, MAX_FIELD_CHARS).text : undefined);
  if (typeof event.cron === "string") return { trigger: "scheduled", detail: { cron: short(event.cron) } };
  if (typeof event.rpcMethod === "string")
    return { trigger: "rpc", detail: { rpcMethod: short(event.rpcMethod) } };
  if (typeof event.queue === "string") return { trigger: "queue", detail: { queue: short(event.queue) } };
  if ("scheduledTime" in event) return { trigger: "alarm" };
  if (typeof event.mailFrom === "string") return { trigger: "email" };
  return { trigger: "unknown" };
}

function invocationLevel(failed: boolean, status: number | undefined): LogLevel {
  if (failed || (status !== undefined && status >= 500)) return "error";
  return status !== undefined && status >= 400 ? "warn" : "info";
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

function invocationEntry(
  item: Fields,
  invocation: Invocation,
  outcome: string | undefined,
  failed: boolean,
  common: Pick<CapturedEntry, "source" | "service" | "requestId">,
  at: { timestamp?: number },
): CapturedEntry {
  const { trigger, method, path, status, detail } = invocation;
  let what = "invocation";
  if (trigger === "fetch") what = [method, path].filter(Boolean).join(" ") || "fetch";
  else if (trigger !== "unknown") what = [trigger, ...Object.values(detail ?? {})].join(" ");
  const result = status ?? outcome ?? "unknown";
  const entry: CapturedEntry = {
    level: invocationLevel(failed, status),
    message: `${what} ${result}`,
    ...at,
    ...common,
    kind: "invocation",
    trigger,
    ...(method ? { method } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(outcome ? { outcome: cut(outcome, 64).text } : {}),
    ...detail,
  };
  const entrypoint = asString(item.entrypoint);
  if (entrypoint) entry.entrypoint = cut(entrypoint, MAX_FIELD_CHARS).text;
  // The platform reports 0 when it does not measure (always, under wrangler dev).
  for (const name of ["cpuTime", "wallTime"] as const) {
    const value = item[name];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) entry[name] = value;
  }
  // The platform cut this invocation's logs (too many or too large): say so.
  if (item.truncated === true) entry.logsTruncated = true;
  return bounded(entry);
}
