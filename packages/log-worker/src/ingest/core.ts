/**
 * TEMPORARY stand-in for the lead's ingest core (contract 1 in BRIEF-COMMON.md),
 * so the OTLP route can be built and tested before it lands on main. Replaced
 * by main's version when main is merged.
 */
import type { StoredLogEntry } from "@log-service/client/schema";
import { ApiError } from "../http/errors";
import { newLogKey, putBatch } from "../store/batches";
import { toStoredEntries } from "./http";

export interface IngestOptions {
  idempotencyKey?: string;
  fields?: Record<string, unknown>;
}

export async function ingestEntries(
  env: { log_state: KVNamespace },
  entries: unknown,
  options: IngestOptions = {},
): Promise<{ accepted: number; key: string }> {
  const receivedAtMs = Date.now();
  const key = newLogKey(receivedAtMs);
  const stored: StoredLogEntry[] = toStoredEntries(entries, key, receivedAtMs).map((e) => ({
    ...e,
    ...options.fields,
  }));
  try {
    await putBatch(env.log_state, key, stored);
  } catch (err) {
    throw new ApiError(503, "storage_unavailable", "Could not store the batch; retry shortly.", {
      cause: err,
      headers: { "Retry-After": "1" },
    });
  }
  return { accepted: stored.length, key };
}
