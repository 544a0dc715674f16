/**
 * Delivery to log-worker's `LogIngest.ingest` over the service binding, off the
 * caller's path: entries are split into batches of at most 128 KiB, each batch
 * gets one idempotency key for all of its attempts (a retry after a slow but
 * successful write stores nothing twice), retryable failures are retried within
 * one deadline per send, and a batch given up on is written to `console.error`
 * as one `logServiceLost` line that tail capture re-ingests under the same key.
 */
import { copyForLog, keyMatcher, type RedactConfig } from "./redact";
import { INGEST_LIMITS, type IngestOptions, type IngestResult, type LogEntryInput } from "./schema";

/**
 * What the client calls on the binding: log-worker's `LogIngest.ingest`. An
 * `env.log_worker` typed by `wrangler types` from the entrypoint class (give it
 * both wrangler configs) is checked against this where it is passed in.
 */
export interface IngestBinding {
  ingest(entries: LogEntryInput[], options: IngestOptions): Promise<IngestResult>;
}

/** The part of an `ExecutionContext` the client uses. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Retry and redaction settings of a send; every field has a default.
 * @example sendLog(env.log_worker, ctx, entry, { attempts: 2, deadlineMs: 5_000 });
 */
export interface SendOptions {
  /** Redaction; on by default. `false` sends values as they are. */
  redact?: RedactConfig;
  /** Attempts per batch, first included. Default 3. */
  attempts?: number;
  /** Longest wait for one attempt; a late answer counts as a retryable failure. Default 5,000 ms. */
  timeoutMs?: number;
  /** Base of the jittered exponential backoff between attempts. Default 250 ms. */
  backoffMs?: number;
  /** Time the whole send may take, every batch and retry included. Default 20,000 ms (`waitUntil` allows ~30 s). */
  deadlineMs?: number;
}

const DEFAULTS = { attempts: 3, timeoutMs: 5_000, backoffMs: 250, deadlineMs: 20_000 };
/** Longest `retryAfterMs` honoured. */
const MAX_RETRY_AFTER_MS = 5_000;

/** Bounds of what the client sends and holds. */
export const SEND_LIMITS = {
  /** Serialized bytes of one batch: a lost batch fits one 128 KiB `console.error` line with its header. */
  maxBatchBytes: 127 * 1024,
  maxBatchEntries: INGEST_LIMITS.maxEntries,
  /** Batches waiting for log-worker in one isolate; past it, batches go straight to the lost line. */
  maxBatchesInFlight: 64,
} as const;

let batchesInFlight = 0;

/** A JSON-safe, redacted entry. */
export type Entry = Record<string, unknown>;

interface Batch {
  entries: Entry[];
  json: string[];
}

/**
 * Sends one entry or several to log-worker, fire-and-forget: they are redacted
 * and copied now, and delivered inside `ctx.waitUntil` after the caller's task,
 * so the response never waits. Never throws; the promise (for callers without a
 * ctx: pass `null` and await it) never rejects and settles once the entries are
 * stored or written to the lost-entries line.
 * @example
 * sendLog(env.log_worker, ctx, { level: "warn", message: "slow upstream", service: "billing", ms: 812 });
 * await sendLog(env.log_worker, null, [{ message: "cron ran" }]); // scheduled handler
 */
export function sendLog(
  binding: IngestBinding | undefined,
  ctx: WaitUntil | null | undefined,
  entries: LogEntryInput | readonly LogEntryInput[],
  options: SendOptions = {},
): Promise<void> {
  let copies: Entry[];
  try {
    const isSensitive = keyMatcher(options.redact);
    const list: readonly LogEntryInput[] = Array.isArray(entries) ? entries : [entries as LogEntryInput];
    copies = list.map((entry) => copyForLog(entry, isSensitive).value as Entry);
  } catch (err) {
    // A value the copy cannot read (a throwing getter or toJSON): say so, never throw.
    copies = [{ level: "error", message: `log-service: entries could not be copied (${describe(err)})` }];
  }
  return deliver(binding, ctx, copies, options);
}

/** Delivers entries already copied and redacted (the logger's), in the background. */
export function deliver(
  binding: IngestBinding | undefined,
  ctx: WaitUntil | null | undefined,
  entries: Entry[],
  options: SendOptions,
): Promise<void> {
  const settings = { ...DEFAULTS, ...options };
  const deadline = Date.now() + settings.deadlineMs;
  const task = (async () => {
    // A 1 ms timer first, so the caller's response goes out before any of this
    // work (or, when both workers share a thread, log-worker's) runs. A 0 ms
    // timer can fire before workerd has written the response: paced GET /me
    // p50 with ÷ without logging was 0.98–1.27× with it, 0.89–1.01× with 1 ms.
    await new Promise((resolve) => setTimeout(resolve, 1));
    await Promise.all(toBatches(entries).map((batch) => sendBatch(binding, batch, settings, deadline)));
  })().catch((err: unknown) => writeLost({ entries, json: [] }, newKey(), `client_error: ${describe(err)}`));
  try {
    ctx?.waitUntil(task);
  } catch {
    // waitUntil refuses once the invocation is over; the task runs on regardless.
  }
  return task;
}

/** Serializes each entry once and groups them, in order, into batches within {@link SEND_LIMITS}. */
function toBatches(entries: readonly Entry[]): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { entries: [], json: [] };
  let bytes = 2;
  for (let entry of entries) {
    let json = JSON.stringify(entry);
    let size = byteLength(json);
    if (size > INGEST_LIMITS.maxEntryBytes) {
      entry = shrunk(entry, size);
      json = JSON.stringify(entry);
      size = byteLength(json);
    }
    const full = current.entries.length >= SEND_LIMITS.maxBatchEntries;
    if (current.entries.length > 0 && (full || bytes + size + 1 > SEND_LIMITS.maxBatchBytes)) {
      batches.push(current);
      current = { entries: [], json: [] };
      bytes = 2;
    }
    current.entries.push(entry);
    current.json.push(json);
    bytes += size + 1;
  }
  if (current.entries.length > 0) batches.push(current);
  return batches;
}

/** An entry over log-worker's per-entry limit (possible with multi-byte text), cut to what identifies it. */
function shrunk(entry: Entry, originalBytes: number): Entry {
  const out: Entry = { truncated: true, originalBytes };
  for (const key of ["level", "service", "requestId", "timestamp"]) {
    if (typeof entry[key] === "string") out[key] = entry[key];
  }
  out.message = String(entry.message ?? "(no message)").slice(0, 1024);
  return out;
}

async function sendBatch(
  binding: IngestBinding | undefined,
  batch: Batch,
  settings: typeof DEFAULTS,
  deadline: number,
): Promise<void> {
  // Made at the first attempt and kept for every retry; its epoch-ms prefix keeps log-worker's KV keys in time order.
  const key = newKey();
  if (!binding) return writeLost(batch, key, "no_binding: the log_worker service binding is missing");
  if (batchesInFlight >= SEND_LIMITS.maxBatchesInFlight) {
    return writeLost(batch, key, `overloaded: ${batchesInFlight} batches already in flight in this isolate`);
  }
  batchesInFlight++;
  try {
    let reason = "deadline: the send's deadline passed before this batch was tried";
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const outcome = await attemptOnce(binding, batch.entries, key, Math.min(settings.timeoutMs, left));
      if (outcome.ok) return;
      reason = `${outcome.reason} (attempt ${attempt} of ${settings.attempts})`;
      if (!outcome.retryable || attempt === settings.attempts) break;
      const step = settings.backoffMs * 2 ** (attempt - 1);
      const wait = Math.max(
        step / 2 + (Math.random() * step) / 2,
        Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS),
      );
      if (Date.now() + wait >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    writeLost(batch, key, reason);
  } finally {
    batchesInFlight--;
  }
}

type Outcome = { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

/** One RPC call, abandoned after `timeoutMs`; a thrown error (binding unreachable) is retryable. */
async function attemptOnce(
  binding: IngestBinding,
  entries: Entry[],
  key: string,
  timeoutMs: number,
): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, retryable: true, reason: `timeout: no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const call = (async (): Promise<Outcome> => {
    const result = await binding.ingest(entries as LogEntryInput[], { idempotencyKey: key });
    if (result.ok) return { ok: true };
    const { status, code, message, retryable, retryAfterMs } = result;
    return { ok: false, retryable, retryAfterMs, reason: `${status} ${code}: ${message.slice(0, 300)}` };
  })().catch(
    (err: unknown): Outcome => ({ ok: false, retryable: true, reason: `rpc_error: ${describe(err)}` }),
  );
  try {
    return await Promise.race([call, timedOut]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * The contract-3 line: one per batch given up on, the entries exactly as sent,
 * so tail capture can re-ingest them under the same idempotency key.
 */
function writeLost(batch: Batch, idempotencyKey: string, reason: string): void {
  const json =
    batch.json.length === batch.entries.length ? batch.json : batch.entries.map((e) => JSON.stringify(e));
  const head = JSON.stringify({ v: 1, idempotencyKey, reason }).slice(0, -1);
  console.error(
    `{"level":"error","message":"log-service: batch not delivered","logServiceLost":${head},"entries":[${json.join(",")}]}}`,
  );
}

function newKey(): string {
  return `${Date.now()}-${crypto.randomUUID()}`;
}

function describe(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);
}

// JSON text is printable ASCII (one byte a character) unless it holds other characters.
const NOT_PRINTABLE_ASCII = /[^ -~]/;
const encoder = new TextEncoder();

function byteLength(json: string): number {
  return NOT_PRINTABLE_ASCII.test(json) ? encoder.encode(json).byteLength : json.length;
}
