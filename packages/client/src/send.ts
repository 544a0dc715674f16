/**
 * `sendLog`: hand entries to log-worker over the service binding, without ever
 * failing or slowing the caller. Entries are redacted and made JSON-safe,
 * checked against the wire schema, shrunk to the per-entry limit and split into
 * requests log-worker accepts; whatever still cannot be delivered is written as
 * one `console.error` line, so `wrangler tail` and Workers Logs keep it.
 */
import { type SerializedEntry, serializeEntry, toBodies } from "./batches";
import { keyMatcher, type RedactConfig, toJsonSafe } from "./redact";
import { INGEST_LIMITS, type LogEntryInput, logEntrySchema } from "./schema";
import { type DeliveryResult, type LogBinding, postWithRetry, type RetryOptions } from "./transport";

/** Where entries go: log-worker's `LogIngest` entrypoint ignores the host. */
export const DEFAULT_LOG_URL = "https://log-worker/log";

/** Requests to log-worker in flight at once when a send is split. */
const MAX_PARALLEL_REQUESTS = 4;

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

/**
 * Sends one entry or many to log-worker over a service binding.
 *
 * With a `ctx`, the work is handed to `ctx.waitUntil` so the response does not
 * wait for it. The returned promise settles once the entries are delivered or
 * given up on; it never rejects, and the call never throws, so it can also be
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
  return track(ctx, prepareAndDeliver(binding, entries, options));
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
  return track(
    ctx,
    (async () => {
      const failures: Failure[] = [];
      await deliver(binding, validate(entries, failures), options, failures);
      report(failures);
    })(),
  );
}

function track(ctx: WaitUntil | null | undefined, work: Promise<void>): Promise<void> {
  const task = work.catch(reportUnexpected);
  try {
    ctx?.waitUntil(task);
  } catch {
    // waitUntil refuses once the invocation is over; the task runs on regardless.
  }
  return task;
}

async function prepareAndDeliver(
  binding: LogBinding | null | undefined,
  input: LogEntryInput | readonly LogEntryInput[],
  options: SendOptions,
): Promise<void> {
  const isSensitive = keyMatcher(options.redact);
  const list: readonly unknown[] = Array.isArray(input) ? input : [input];
  const failures: Failure[] = [];
  const prepared: PreparedEntry[] = [];
  for (const item of list) {
    const safe = toJsonSafe(item, isSensitive);
    if (safe !== null && typeof safe === "object" && !Array.isArray(safe)) {
      prepared.push(safe as PreparedEntry);
    } else {
      addFailure(
        failures,
        { reason: "invalid_entry", detail: "an entry must be an object" },
        { value: safe },
      );
    }
  }
  await deliver(binding, validate(prepared, failures), options, failures);
  report(failures);
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
      addFailure(failures, { reason: "invalid_entry", detail }, entry);
      continue;
    }
    ok.push(serializeEntry(entry, INGEST_LIMITS.maxEntryBytes));
  }
  return ok;
}

async function deliver(
  binding: LogBinding | null | undefined,
  entries: SerializedEntry[],
  options: SendOptions,
  failures: Failure[],
): Promise<void> {
  if (entries.length === 0) return;
  const bodies = toBodies(entries, INGEST_LIMITS);
  if (!binding || typeof binding.fetch !== "function") {
    failures.push({
      reason: "no_binding",
      detail: "the log_worker service binding is missing; see the client's README",
      entries: entries.map((e) => e.entry),
    });
    return;
  }
  const url = options.url ?? DEFAULT_LOG_URL;
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const batch = bodies[next++];
      if (!batch) break;
      const result: DeliveryResult = await postWithRetry(binding, url, batch.body, options);
      if (!result.ok) {
        failures.push({
          reason: result.reason,
          status: result.status,
          detail: result.detail,
          attempts: result.attempts,
          entries: batch.entries.map((e) => e.entry),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_REQUESTS, bodies.length) }, worker));
}

function addFailure(failures: Failure[], kind: Omit<Failure, "entries">, entry: PreparedEntry): void {
  const same = failures.find((f) => f.reason === kind.reason && f.detail === kind.detail);
  if (same) same.entries.push(entry);
  else failures.push({ ...kind, entries: [entry] });
}

/** The one `console.error` line carrying every entry this send lost (already redacted). */
function report(failures: Failure[]): void {
  if (failures.length === 0) return;
  const entries = failures.flatMap((f) => f.entries);
  console.error(
    safeJson({
      level: "error",
      message: `log delivery failed: ${entries.length} ${entries.length === 1 ? "entry" : "entries"} not stored by log-worker`,
      source: "@log-service/client",
      failures: failures.map(({ entries: lost, ...why }) => ({ ...why, entries: lost.length })),
      entries,
    }),
  );
}

/** A bug in the client itself: still one line, never a rejection. */
function reportUnexpected(err: unknown): void {
  try {
    console.error(
      safeJson({
        level: "error",
        message: "log delivery failed: unexpected error in @log-service/client",
        source: "@log-service/client",
        err: toJsonSafe(err, null),
      }),
    );
  } catch {}
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '{"level":"error","message":"log delivery failed (report not serializable)"}';
  }
}
