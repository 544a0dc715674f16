/**
 * `sendLog`: hand entries to log-worker over the service binding, without ever
 * failing or slowing the caller. Entries are redacted and copied when sent;
 * then, off the caller's path, checked against the wire schema, shrunk to the
 * per-entry limit and split into requests log-worker accepts, all within one
 * deadline. Whatever still cannot be delivered is written to `console.error`
 * in bounded lines, so `wrangler tail` and Workers Logs keep it.
 */

import { type SerializedEntry, serializeEntry, toBodies } from "./batches";
import { keyMatcher, type RedactConfig, toJsonSafe } from "./redact";
import { optionReader } from "./safely";
import { INGEST_LIMITS, type LogEntryInput, logEntrySchema } from "./schema";
import {
  type DeliveryResult,
  type LogBinding,
  NOT_ATTEMPTED,
  postWithRetry,
  type RetryOptions,
  retrySettings,
} from "./transport";

/** Where entries go: log-worker's `LogIngest` entrypoint ignores the host. */
export const DEFAULT_LOG_URL = "https://log-worker/log";

/** Requests to log-worker in flight at once when a send is split. */
const MAX_PARALLEL_REQUESTS = 4;

/**
 * Bounds of one `console.error` line reporting lost entries: Workers Logs
 * truncates long lines, so a large report is split into parts, each naming its
 * send id and `part i of n`. An entry larger than `maxEntryBytes` is shrunk
 * (and marked `truncated`) to fit.
 */
export const REPORT_LIMITS = {
  maxEntries: 100,
  maxBytes: 128 * 1024,
  maxEntryBytes: INGEST_LIMITS.maxEntryBytes,
} as const;
/** Room kept in each report line for everything but its entries. */
const REPORT_HEADER_BYTES = 8 * 1024;
/** Failures summarised per report line; more are counted, not listed. */
const REPORT_MAX_FAILURES = 10;
/** Longest failure detail kept in a report. */
const MAX_DETAIL = 512;

/**
 * The part of an `ExecutionContext` the client uses.
 * @example sendLog(env.log_worker, ctx, entry); // ctx: the fetch handler's third argument
 */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Options of {@link sendLog}; all optional.
 * @example sendLog(env.log_worker, ctx, entries, { redact: { extraKeys: ["ssn"] }, attempts: 5 });
 */
export interface SendOptions extends RetryOptions {
  /** Redaction of sensitive keys; on by default with `DEFAULT_REDACT_KEYS`. `false` turns it off. */
  redact?: RedactConfig;
  /** Ingest URL; default `https://log-worker/log`. */
  url?: string;
}

/** A JSON-safe, redacted entry, ready to send. */
export type PreparedEntry = Record<string, unknown>;

interface Failure {
  reason: string;
  status?: number;
  detail?: string;
  attempts?: number;
  entries: PreparedEntry[];
}

/** Options as read once, defaults filled in. */
interface Settings extends Required<RetryOptions> {
  url: string;
  redact: RedactConfig | undefined;
}

/**
 * Sends one entry or many to log-worker over a service binding.
 *
 * The entries are redacted and copied when called (later changes to them are
 * not sent); everything else happens a microtask later, inside the promise
 * handed to `ctx.waitUntil`, so the response does not wait for it. The
 * returned promise settles once the entries are delivered or given up on,
 * within `deadlineMs` (default 20 s) of the call however many requests the
 * send needs; it never rejects, and the call never throws, so it can also be
 * awaited where there is no ctx (scheduled and queue handlers: pass `null`).
 *
 * @example
 * export default {
 *   async fetch(request, env, ctx) {
 *     sendLog(env.log_worker, ctx, { level: "info", message: "hello", service: "my-worker" });
 *     return new Response("ok");
 *   },
 *   async scheduled(controller, env) {
 *     await sendLog(env.log_worker, null, [{ message: "cron ran" }, { message: "done" }]);
 *   },
 * } satisfies ExportedHandler<Env>;
 */
export function sendLog(
  binding: LogBinding | null | undefined,
  ctx: WaitUntil | null | undefined,
  entries: LogEntryInput | readonly LogEntryInput[],
  options: SendOptions = {},
): Promise<void> {
  return startSend(binding, ctx, options, (settings, failures) =>
    prepare(entries, keyMatcher(settings.redact), failures),
  );
}

/**
 * `sendLog` for entries that are already redacted and JSON-safe (the logger's).
 * @internal
 */
export function sendPrepared(
  binding: LogBinding | null | undefined,
  ctx: WaitUntil | null | undefined,
  entries: readonly PreparedEntry[],
  options: SendOptions = {},
): Promise<void> {
  return startSend(binding, ctx, options, () => entries);
}

/**
 * Reads the options and takes the entries now (so later changes by the caller
 * are not sent), then delivers off the caller's path, tracked by `ctx`.
 */
function startSend(
  binding: LogBinding | null | undefined,
  ctx: WaitUntil | null | undefined,
  options: SendOptions,
  takeEntries: (settings: Settings, failures: Failure[]) => readonly PreparedEntry[],
): Promise<void> {
  const startedAt = Date.now();
  const id = newSendId();
  let work: Promise<void>;
  try {
    const settings = readOptions(options);
    const failures: Failure[] = [];
    const entries = takeEntries(settings, failures);
    work = Promise.resolve().then(() => run(binding, entries, failures, settings, startedAt, id));
  } catch (err) {
    work = Promise.reject(err);
  }
  return track(ctx, work, id);
}

function track(ctx: WaitUntil | null | undefined, work: Promise<void>, id: string): Promise<void> {
  const task = work.catch((err: unknown) => reportUnexpected(err, id));
  try {
    ctx?.waitUntil(task);
  } catch {
    // waitUntil refuses once the invocation is over; the task runs on regardless.
  }
  return task;
}

function readOptions(options: SendOptions | null | undefined): Settings {
  const read = optionReader(options);
  const url = read("url");
  return {
    ...retrySettings({
      attempts: read("attempts"),
      timeoutMs: read("timeoutMs"),
      backoffMs: read("backoffMs"),
      deadlineMs: read("deadlineMs"),
    }),
    url: typeof url === "string" && url.length > 0 ? url : DEFAULT_LOG_URL,
    // Unreadable: undefined, so the defaults apply (never "off").
    redact: read("redact"),
  };
}

/** Redacted, JSON-safe copies of the entries; what is not an object is set aside. Never throws. */
function prepare(
  input: unknown,
  isSensitive: ((key: string) => boolean) | null,
  failures: Failure[],
): PreparedEntry[] {
  let list: readonly unknown[];
  try {
    list = Array.isArray(input) ? [...input] : [input];
  } catch {
    // A revoked Proxy, or one whose traps throw: report it as one value.
    list = [input];
  }
  const prepared: PreparedEntry[] = [];
  for (const item of list) {
    const safe = toJsonSafe(item, isSensitive);
    if (safe !== null && typeof safe === "object" && !Array.isArray(safe)) {
      prepared.push(safe as PreparedEntry);
    } else {
      addFailure(failures, { reason: "invalid_entry", detail: "an entry must be an object" }, [
        { value: safe },
      ]);
    }
  }
  return prepared;
}

/** Validates, serializes, delivers and reports: the part of a send that runs after the call. */
async function run(
  binding: LogBinding | null | undefined,
  entries: readonly PreparedEntry[],
  failures: Failure[],
  settings: Settings,
  startedAt: number,
  id: string,
): Promise<void> {
  try {
    // Yield one macrotask before touching the binding: the caller's response
    // goes out first, instead of waiting behind validation, serialization and
    // (when both workers share a thread, as locally) log-worker's own work.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await deliver(binding, validate(entries, failures), settings, failures, startedAt + settings.deadlineMs);
  } catch (err) {
    // A bug in the client: report what is not reported yet rather than lose it.
    const reported = new Set(failures.flatMap((f) => f.entries));
    failures.push({
      reason: "client_error",
      detail: describe(err),
      entries: entries.filter((e) => !reported.has(e)),
    });
  }
  report(failures, id);
}

/**
 * Keeps the entries log-worker will accept. One invalid entry would make it
 * refuse the whole request (400), so invalid ones are set aside and reported.
 */
function validate(entries: readonly PreparedEntry[], failures: Failure[]): SerializedEntry[] {
  const ok: SerializedEntry[] = [];
  for (const entry of entries) {
    const parsed = logEntrySchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const detail = issue ? `${issue.path.join(".") || "entry"}: ${issue.message}` : "invalid entry";
      addFailure(failures, { reason: "invalid_entry", detail }, [entry]);
      continue;
    }
    ok.push(serializeEntry(entry, INGEST_LIMITS.maxEntryBytes));
  }
  return ok;
}

/**
 * Posts the bodies, at most {@link MAX_PARALLEL_REQUESTS} at once, all before
 * `deadline` (epoch ms): each body gets the time that is left, and the bodies
 * not started when it passes are reported without being tried.
 */
async function deliver(
  binding: LogBinding | null | undefined,
  entries: SerializedEntry[],
  settings: Settings,
  failures: Failure[],
  deadline: number,
): Promise<void> {
  if (entries.length === 0) return;
  if (!hasFetch(binding)) {
    failures.push({
      reason: "no_binding",
      detail: "the log_worker service binding is missing; see the client's README",
      entries: entries.map((e) => e.entry),
    });
    return;
  }
  const bodies = toBodies(entries, INGEST_LIMITS);
  const notAttempted = (batch: { entries: SerializedEntry[] }) =>
    addFailure(
      failures,
      { reason: "deadline", detail: NOT_ATTEMPTED, attempts: 0 },
      batch.entries.map((e) => e.entry),
    );
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const batch = bodies[next++];
      if (!batch) break;
      if (Date.now() >= deadline) {
        notAttempted(batch);
        continue;
      }
      const result: DeliveryResult = await postWithRetry(
        binding,
        settings.url,
        batch.body,
        settings,
        deadline,
      );
      if (result.ok) continue;
      if (result.attempts === 0) {
        notAttempted(batch);
        continue;
      }
      failures.push({
        reason: result.reason,
        status: result.status,
        detail: result.detail,
        attempts: result.attempts,
        entries: batch.entries.map((e) => e.entry),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_REQUESTS, bodies.length) }, worker));
}

function hasFetch(binding: LogBinding | null | undefined): binding is LogBinding {
  try {
    return !!binding && typeof binding.fetch === "function";
  } catch {
    return false;
  }
}

/** Adds entries to the failure with the same reason, detail and attempts, or to a new one. */
function addFailure(failures: Failure[], kind: Omit<Failure, "entries">, entries: PreparedEntry[]): void {
  const same = failures.find(
    (f) => f.reason === kind.reason && f.detail === kind.detail && f.attempts === kind.attempts,
  );
  if (same) same.entries.push(...entries);
  else failures.push({ ...kind, entries: [...entries] });
}

/**
 * Writes every entry this send lost (already redacted) to `console.error`, in
 * lines of at most {@link REPORT_LIMITS}: each says `part i of n` and carries
 * the send id, the failures behind its entries and the entries themselves.
 */
function report(failures: Failure[], id: string): void {
  const lost: { json: string; bytes: number; failure: number }[] = [];
  for (const [i, failure] of failures.entries()) {
    for (const entry of failure.entries) {
      const { json, bytes } = serializeForReport(entry);
      lost.push({ json, bytes, failure: i });
    }
  }
  if (lost.length === 0) return;

  const parts: (typeof lost)[] = [];
  const budget = REPORT_LIMITS.maxBytes - REPORT_HEADER_BYTES;
  let current: typeof lost = [];
  let size = 0;
  for (const item of lost) {
    const added = item.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= REPORT_LIMITS.maxEntries || size + added > budget)) {
      parts.push(current);
      current = [];
      size = 0;
    }
    size += item.bytes + (current.length > 0 ? 1 : 0);
    current.push(item);
  }
  parts.push(current);

  const total = lost.length;
  let first = 1;
  for (const [i, part] of parts.entries()) {
    const last = first + part.length - 1;
    const header = {
      level: "error",
      message:
        `log delivery failed: ${total} ${total === 1 ? "entry" : "entries"} not stored by log-worker ` +
        `(send ${id}, part ${i + 1} of ${parts.length}: ${part.length === 1 ? `entry ${first}` : `entries ${first}-${last}`})`,
      source: "@log-service/client",
      sendId: id,
      part: i + 1,
      parts: parts.length,
      ...summarise(failures, part),
    };
    writeLine(`${JSON.stringify(header).slice(0, -1)},"entries":[${part.map((e) => e.json).join(",")}]}`);
    first = last + 1;
  }
}

/** The failures behind a report line's entries, each with how many of them it holds. */
function summarise(
  failures: readonly Failure[],
  part: readonly { failure: number }[],
): { failures: Record<string, unknown>[]; moreFailures?: number } {
  const counts = new Map<number, number>();
  for (const { failure } of part) counts.set(failure, (counts.get(failure) ?? 0) + 1);
  const listed: Record<string, unknown>[] = [];
  for (const [index, entries] of counts) {
    if (listed.length >= REPORT_MAX_FAILURES) break;
    const { entries: _all, ...why } = failures[index] ?? { reason: "unknown", entries: [] };
    if (why.detail !== undefined) why.detail = why.detail.slice(0, MAX_DETAIL);
    listed.push({ ...why, entries });
  }
  return counts.size > listed.length
    ? { failures: listed, moreFailures: counts.size - listed.length }
    : { failures: listed };
}

function serializeForReport(entry: PreparedEntry): { json: string; bytes: number } {
  try {
    return serializeEntry(entry, REPORT_LIMITS.maxEntryBytes);
  } catch {
    const json = '{"message":"(entry not serializable)"}';
    return { json, bytes: json.length };
  }
}

function writeLine(line: string): void {
  try {
    console.error(line);
  } catch {}
}

/** A bug in the client itself: still one bounded line, never a rejection. */
function reportUnexpected(err: unknown, id: string): void {
  try {
    const line = {
      level: "error",
      message: "log delivery failed: unexpected error in @log-service/client",
      source: "@log-service/client",
      sendId: id,
      err: toJsonSafe(err, null),
    };
    writeLine(serializeEntry(line, REPORT_LIMITS.maxBytes).json);
  } catch {
    writeLine('{"level":"error","message":"log delivery failed (report not serializable)"}');
  }
}

function describe(err: unknown): string {
  try {
    return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, MAX_DETAIL);
  } catch {
    return "unknown error";
  }
}

/** An id shared by every report line of one send. */
function newSendId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  }
}
