/**
 * The `tail` handler: one tail delivery (every trace event of one `tail()`
 * call) becomes one KV batch, split only where ingest's limits require, plus
 * one batch per lost client batch, stored under the client's own key.
 */
import { ApiError } from "../http/errors";
import { ingestEntries } from "../ingest/core";
import type { CapturedEntry } from "./captured";
import { captureEvents } from "./entries";
import { deliveryDigest, deliveryTime, keyedParts, splitEntries } from "./parts";
import { tailCapture } from "./settings";

/** The bindings and settings tail capture reads. */
export interface TailEnv {
  log_state: KVNamespace;
  TAIL_CAPTURE?: string;
}

/** What one delivery stored. */
export interface TailResult {
  /** Tail entries stored (console lines, exceptions, invocations). */
  captured: number;
  /** Batches written for them (1 unless the limits split the delivery; 0 if nothing was kept). */
  batches: number;
  /** Client entries recovered from lost-entries lines (already stored ones count too: the key dedups). */
  recovered: number;
  /** Events skipped by the loop guard. */
  ignored: number;
}

/**
 * Captures one tail delivery. Resolves once everything is stored; rejects
 * (after trying every batch) if storage failed, so a redelivery can retry:
 * every batch has a deterministic idempotency key, and stores nothing twice.
 */
export async function handleTail(events: unknown, env: TailEnv): Promise<TailResult> {
  const capture = captureEvents(events, tailCapture(env.TAIL_CAPTURE));
  const failures: unknown[] = [];
  const fallbacks: CapturedEntry[] = [];
  let recovered = 0;

  // Lost client batches first: one that ingest refuses (it no longer passes
  // validation) is kept as the console line it was, in this delivery's batch.
  const lost = await Promise.allSettled(
    capture.lost.map((batch) => ingestEntries(env, batch.entries, { idempotencyKey: batch.idempotencyKey })),
  );
  for (const [i, result] of lost.entries()) {
    if (result.status === "fulfilled") recovered += result.value.accepted;
    else if (result.reason instanceof ApiError && result.reason.status < 500) {
      const batch = capture.lost[i];
      if (batch) fallbacks.push({ ...batch.fallback, recovery: result.reason.code });
    } else failures.push(result.reason);
  }

  const entries = fallbacks.length > 0 ? [...capture.entries, ...fallbacks] : capture.entries;
  const parts =
    entries.length > 0
      ? keyedParts(await deliveryDigest(events), deliveryTime(events), splitEntries(entries))
      : [];
  const stored = await Promise.allSettled(
    parts.map((part) =>
      ingestEntries(env, part.entries, {
        idempotencyKey: part.idempotencyKey,
        fields: { source: "tail" },
      }),
    ),
  );
  for (const result of stored) if (result.status === "rejected") failures.push(result.reason);

  if (failures.length > 0) {
    // A summary only: never the entries (no loop, no leak); log-worker is not its own tail consumer.
    console.error(
      JSON.stringify({
        level: "error",
        message: "tail capture: storing failed",
        failures: failures.length,
        err: failures[0] instanceof Error ? failures[0].message : String(failures[0]),
      }),
    );
    throw new AggregateError(failures, "tail capture: storing failed");
  }
  return { captured: entries.length, batches: parts.length, recovered, ignored: capture.ignored };
}
