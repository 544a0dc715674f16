/**
 * What the archive remembers between invocations: whether a drain is due
 * (`pending`) and how the last run went (`last run`, shown by /debug/stats).
 */
import { LAST_RUN_KEY, PENDING_KEY } from "./archive-layout";
import type { OpBudget } from "./budget";

export type ArchiveTrigger = "cron" | "drain" | "flush";

/** A drain is due: batches received before `cutoffMs` are still waiting. */
export interface Pending {
  cutoffMs: number;
  since: string;
  reason: string;
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

async function readJson<T>(bucket: R2Bucket, key: string): Promise<T | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  try {
    return JSON.parse(await object.text()) as T;
  } catch {
    return null;
  }
}

function putJson(bucket: R2Bucket, key: string, value: unknown): Promise<R2Object> {
  return bucket.put(key, JSON.stringify(value), { httpMetadata: { contentType: "application/json" } });
}

export async function readPending(bucket: R2Bucket, budget?: OpBudget): Promise<Pending | null> {
  budget?.spend();
  return readJson<Pending>(bucket, PENDING_KEY);
}

export async function writePending(bucket: R2Bucket, budget: OpBudget, pending: Pending): Promise<void> {
  budget.spend();
  await putJson(bucket, PENDING_KEY, pending);
}

export async function clearPending(bucket: R2Bucket, budget: OpBudget): Promise<void> {
  budget.spend();
  await bucket.delete(PENDING_KEY);
}

export function readLastRun(bucket: R2Bucket): Promise<LastRun | null> {
  return readJson<LastRun>(bucket, LAST_RUN_KEY);
}

export async function writeLastRun(bucket: R2Bucket, budget: OpBudget, run: LastRun): Promise<void> {
  budget.spend();
  await putJson(bucket, LAST_RUN_KEY, run);
}
