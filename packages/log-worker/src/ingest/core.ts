/**
 * The one ingest path: every producer's batch (POST /log, the `LogIngest` RPC
 * method, tail capture, OTLP) is validated and stored here, as one KV value.
 */
import { ApiError } from "../http/errors";
import { IDEMPOTENCY_KEY_PATTERN, idempotentLogKey, newLogKey, putBatch } from "../store/batches";
import { validateEntries } from "./entries";

export interface IngestOptions {
  /** 8–128 chars of [A-Za-z0-9_.:-]; the same key again stores nothing new and returns the same KV key. */
  idempotencyKey?: string;
  /** Fields the server sets on every entry of this batch; they win over the producer's. */
  fields?: Record<string, unknown>;
}

/** The JSON text the entries came from, when the caller has it (POST /log): stored as it is. */
export interface SourceText {
  json: string;
  bytes: number;
  /** `json` as UTF-8, when the caller has it (the request body): stored without encoding again. */
  utf8?: Uint8Array;
  /** The caller built the entries and already held each to the size and depth limits (the OTLP mapping). */
  limitsChecked?: boolean;
  /** How errors name an entry (`line 4` for NDJSON). */
  label?: (index: number) => string;
}

export interface IngestAnswer {
  accepted: number;
  key: string;
}

/** Refuses a malformed idempotency key with a 400 naming the rule. */
export function checkIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ApiError(
      400,
      "invalid_idempotency_key",
      "Idempotency-Key must be 8–128 characters of A–Z, a–z, 0–9, _ . : -",
    );
  }
}

/**
 * Validates (DESIGN limits) and stores one batch as one KV value.
 * `entries` is one entry object or an array of them. Throws `ApiError`:
 * 400/413 for what the producer must fix, 503 (retryable) when KV refused the write.
 */
export async function ingestEntries(
  env: { log_state: KVNamespace },
  entries: unknown,
  options: IngestOptions = {},
  source?: SourceText,
): Promise<IngestAnswer> {
  const receivedAtMs = Date.now();
  if (options.idempotencyKey !== undefined) checkIdempotencyKey(options.idempotencyKey);
  const key =
    options.idempotencyKey === undefined
      ? newLogKey(receivedAtMs)
      : await idempotentLogKey(options.idempotencyKey, scopeOf(options.fields), receivedAtMs);
  const accepted = await storeEntries(env.log_state, key, entries, receivedAtMs, options.fields, source);
  return { accepted, key };
}

/**
 * Validates `entries` and stores them under `key` as received at `receivedAtMs`;
 * returns how many were stored. The lower half of `ingestEntries`, for callers
 * that choose the key and time (tests seeding a backlog).
 */
export async function storeEntries(
  kv: KVNamespace,
  key: string,
  entries: unknown,
  receivedAtMs: number,
  fields?: Record<string, unknown>,
  source?: SourceText,
): Promise<number> {
  const summary = validateEntries(entries, receivedAtMs, {
    // No entry can be larger than the text the entries came in.
    entryBytesBound: source?.bytes,
    limitsChecked: source?.limitsChecked,
    label: source?.label,
  });
  // Every entry was serialised once by validation's size check, so this cannot throw.
  const entriesJson = source?.json ?? JSON.stringify(entries);
  try {
    await putBatch(kv, key, {
      entriesJson,
      entriesUtf8: source?.utf8,
      summary,
      receivedAtMs,
      fields,
    });
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        message: "KV put failed; batch refused with 503",
        key,
        entries: summary.n,
        err: err instanceof Error ? err.message : String(err),
      }),
    );
    throw new ApiError(503, "storage_unavailable", "Could not store the batch; retry shortly.", {
      cause: err,
      headers: { "Retry-After": "1" },
    });
  }
  return summary.n;
}

/**
 * Whose idempotency keys these are: batches with different server fields (a
 * named ingest key, tail capture) never share a KV key, whatever key they send.
 */
function scopeOf(fields: Record<string, unknown> | undefined): string {
  return fields ? JSON.stringify(fields) : "";
}
