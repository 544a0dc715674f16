/**
 * What the archive remembers between invocations: whether a drain is due
 * (`pending`) and how the last run went (`last run`, shown by /debug/stats).
 */

import type { OpCounter } from "./budget";
import { LAST_RUN_KEY, PENDING_KEY } from "./layout";

export type ArchiveTrigger = "cron" | "drain" | "flush";

/**
 * The drain marker. `due: true` means batches received before `cutoffMs` may
 * still be waiting (a run stopped at its budget, failed, or was skipped).
 * Once written the object stays; "cleared" is `due: false`, so every change is
 * a put conditional on the etag last read and no update is lost to a race.
 */
export interface Pending {
  due: boolean;
  cutoffMs: number;
  since: string;
  reason: string;
  updatedAt: string;
}

export interface LastRun {
  runId: string;
  trigger: ArchiveTrigger;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  /** Batch keys archived and deleted from KV (including recovered segments). */
  keys: number;
  /** Entries written to R2. */
  entries: number;
  /** Objects written to R2. */
  objects: number;
  /** Segments of an interrupted run completed by this one. */
  recovered: number;
  /** Batches received before the cutoff were left for a follow-up invocation. */
  remaining: boolean;
  /** KV and R2 operations this invocation made, and its budget. */
  ops: number;
  budget: number;
  cutoff: string;
  error?: string;
}

async function readJson<T>(bucket: R2Bucket, key: string): Promise<{ value: T | null; etag: string } | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  try {
    return { value: JSON.parse(await object.text()) as T, etag: object.etag };
  } catch {
    return { value: null, etag: object.etag };
  }
}

const JSON_TYPE = { httpMetadata: { contentType: "application/json" } };

/** The drain marker when a drain is due, else null. */
export async function readPending(bucket: R2Bucket, budget?: OpCounter): Promise<Pending | null> {
  budget?.spend();
  const read = await readJson<Pending>(bucket, PENDING_KEY);
  return read?.value?.due ? read.value : null;
}

/**
 * Changes the marker with a read and a conditional put, retried on a
 * concurrent change. `update` returns the new marker, or null for no change.
 */
async function updatePending(
  bucket: R2Bucket,
  budget: OpCounter,
  update: (current: Pending | null) => Pending | null,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    budget.spend();
    const read = await readJson<Pending>(bucket, PENDING_KEY);
    const next = update(read?.value?.due ? read.value : null);
    if (!next) return;
    budget.spend();
    const written = await bucket.put(PENDING_KEY, JSON.stringify(next), {
      ...JSON_TYPE,
      onlyIf: read ? { etagMatches: read.etag } : { etagDoesNotMatch: "*" },
    });
    if (written) return;
  }
  throw new Error("the drain marker kept changing under this run; it will be set again by the next one");
}

/** Marks a drain due for everything received before `cutoffMs` (keeping a later cutoff already set). */
export function markDrainDue(
  bucket: R2Bucket,
  budget: OpCounter,
  cutoffMs: number,
  reason: string,
): Promise<void> {
  const now = new Date().toISOString();
  return updatePending(bucket, budget, (current) => ({
    due: true,
    cutoffMs: Math.max(cutoffMs, current?.cutoffMs ?? 0),
    since: current?.since ?? now,
    reason,
    updatedAt: now,
  }));
}

/**
 * KV `list()` can show a new key up to ~60 s late, so a walk that starts right
 * after a cutoff (the midnight cron) can miss batches received just before it.
 * Only a run that started this long after the marker's cutoff clears it.
 */
export const LIST_LAG_MS = 90_000;

/**
 * Clears the marker if this run walked everything before its cutoff and
 * started late enough to have seen every key received before it; otherwise
 * the marker stays due (a later cutoff set meanwhile, or the midnight gap)
 * and the drain cron walks the range again.
 */
export function clearDrain(
  bucket: R2Bucket,
  budget: OpCounter,
  coveredCutoffMs: number,
  runStartedMs: number,
): Promise<void> {
  return updatePending(bucket, budget, (current) =>
    current && current.cutoffMs <= coveredCutoffMs && runStartedMs >= current.cutoffMs + LIST_LAG_MS
      ? { ...current, due: false, reason: "done", updatedAt: new Date().toISOString() }
      : null,
  );
}

/** Operations `markDrainDue` / `clearDrain` make without contention. */
export const PENDING_UPDATE_OPS = 2;

export async function readLastRun(bucket: R2Bucket): Promise<LastRun | null> {
  return (await readJson<LastRun>(bucket, LAST_RUN_KEY))?.value ?? null;
}

export async function writeLastRun(bucket: R2Bucket, budget: OpCounter, run: LastRun): Promise<void> {
  budget.spend();
  await bucket.put(LAST_RUN_KEY, JSON.stringify(run), JSON_TYPE);
}
