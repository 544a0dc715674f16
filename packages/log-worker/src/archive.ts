/**
 * The archive job: move every batch waiting in KV into R2, then delete it from KV.
 *
 * One plain function, `archiveLogs`, serves the daily cron, the follow-up
 * drain cron and `POST /flush`. A run:
 *   1. takes the lease (one run at a time; 409 / skip when held);
 *   2. finishes any segment an interrupted run journaled (see archive-segment.ts);
 *   3. walks `log:` keys received before the cutoff, in pages of 1,000, reading
 *      values with bulk gets of ≤ 100 keys and ≤ 4 MiB, streaming entries into
 *      per-date gzip NDJSON objects, committing a segment whenever it reaches
 *      the object size bound;
 *   4. stops before its operation budget would run out, and says `remaining`;
 *      a `pending` marker makes the drain cron continue where it stopped;
 *   5. records its outcome in `_archive/last-run.json` and releases the lease.
 * Memory stays bounded: one page of key names, one read chunk, one segment's
 * compressed objects.
 */

import { JOURNAL_PREFIX } from "./archive-layout";
import { ArchiveBusy, acquireLease, releaseLease } from "./archive-lease";
import {
  type CommitResult,
  completeJournal,
  type Journal,
  recoveryCost,
  Segment,
  type SegmentStores,
} from "./archive-segment";
import {
  type ArchiveTrigger,
  clearPending,
  type LastRun,
  readPending,
  writeLastRun,
  writePending,
} from "./archive-state";
import { OpBudget } from "./budget";
import { type ArchiveConfig, type ArchiveVars, archiveConfig } from "./config";
import {
  asBatchMetadata,
  type BatchMetadata,
  LEGACY_INDEX_KEY,
  LOG_KEY_PREFIX,
  parseBatch,
  parseLogKey,
} from "./store";

export { ArchiveBusy };

/** What the job needs from the worker's env. */
export type ArchiveEnv = Pick<Env, "log_state" | "log_archive"> & ArchiveVars;

export interface ArchiveOptions {
  trigger: ArchiveTrigger;
  /** Archive batches received before this instant (epoch ms). */
  cutoffMs: number;
  /** Overrides of the [vars] settings. */
  config?: Partial<ArchiveConfig>;
  /** A budget already charged by the caller (the cron handler's own calls). */
  budget?: OpBudget;
  /** Clock, for tests. */
  now?: () => number;
}

export interface ArchiveResult {
  runId: string;
  /** Entries written to R2 by this run. */
  archived: number;
  /** Batch keys deleted from KV by this run (after their objects were written). */
  keys: number;
  /** R2 objects written by this run. */
  objects: string[];
  /** Batches received before the cutoff are still waiting (budget or time ran out). */
  remaining: boolean;
  /** Segments of an interrupted run that this run completed. */
  recovered: number;
  /** KV + R2 operations made, and the budget. */
  ops: number;
  budget: number;
}

/** The run failed part-way; `partial` says what it did finish. Nothing unarchived was deleted. */
export class ArchiveFailed extends Error {
  override readonly name = "ArchiveFailed";
  constructor(
    readonly partial: ArchiveResult,
    cause: unknown,
  ) {
    super(`archive run failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Largest total of value bytes read by one bulk get, by list metadata. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Value size assumed for a key without metadata: the 1 MiB body limit plus the fields ingest adds. */
const UNKNOWN_VALUE_BYTES = 1_200_000;
/** Operations kept for the end of a run: read+write the pending marker, last run, lease release. */
const FINAL_OPS = 5;
/** Stop starting work this long before the lease expires. */
const LEASE_MARGIN_MS = 60_000;
const DAY_MS = 86_400_000;

function daysSpanned(meta: BatchMetadata | null, segment: Segment): number {
  if (!meta) return 3;
  let days = 0;
  for (let day = Math.floor(meta.t0 / DAY_MS); day <= Math.floor(meta.t1 / DAY_MS); day++) {
    if (!segment.dates.has(new Date(day * DAY_MS).toISOString().slice(0, 10))) days++;
    if (days >= meta.n) break;
  }
  return days;
}

export async function archiveLogs(env: ArchiveEnv, options: ArchiveOptions): Promise<ArchiveResult> {
  const config: ArchiveConfig = { ...archiveConfig(env), ...options.config };
  const now = options.now ?? Date.now;
  const budget = options.budget ?? new OpBudget(config.opsBudget);
  const kv = env.log_state;
  const bucket = env.log_archive;
  const runId = crypto.randomUUID();
  const startedMs = now();

  const lease = await acquireLease(bucket, budget, {
    runId,
    trigger: options.trigger,
    nowMs: startedMs,
    leaseMs: config.leaseMs,
  });
  const leaseDeadline = Date.parse(lease.expiresAt) - Math.min(LEASE_MARGIN_MS, config.leaseMs / 4);

  const result: ArchiveResult = {
    runId,
    archived: 0,
    keys: 0,
    objects: [],
    remaining: false,
    recovered: 0,
    ops: 0,
    budget: budget.limit,
  };
  const stores: SegmentStores = { kv, bucket, budget, deleteConcurrency: config.deleteConcurrency };
  const record = (commit: CommitResult) => {
    result.keys += commit.keys;
    result.archived += commit.entries;
    result.objects.push(...commit.objects);
  };
  /** Can `ops` more operations start now and still leave room to finish the run? */
  const canStart = (ops: number) => budget.affords(ops + FINAL_OPS) && now() < leaseDeadline;

  async function walk(): Promise<boolean> {
    let segment = new Segment();
    let cursor: string | undefined;
    try {
      for (;;) {
        if (!canStart(1 + segment.commitCost())) return await commitAndStop(segment);
        budget.spend();
        const page = await kv.list<unknown>({ prefix: LOG_KEY_PREFIX, cursor });
        const keys = page.keys.filter((k) => (parseLogKey(k.name)?.receivedAtMs ?? 0) < options.cutoffMs);
        let i = 0;
        while (i < keys.length) {
          // Plan the next bulk get: ≤ 100 keys, ≤ READ_CHUNK_BYTES, and only as many
          // keys as the budget can still archive and delete (with one extra
          // segment commit in case the size bound splits the chunk).
          const chunk: string[] = [];
          let bytes = 0;
          let dates = 0;
          for (let j = i; j < keys.length && chunk.length < 100; j++) {
            const key = keys[j] as (typeof keys)[number];
            const meta = asBatchMetadata(key.metadata);
            const size = meta?.b ?? UNKNOWN_VALUE_BYTES;
            if (chunk.length > 0 && bytes + size > READ_CHUNK_BYTES) break;
            const moreDates = daysSpanned(meta, segment);
            const cost = 1 + segment.commitCost(chunk.length + 1, dates + moreDates) + 2 + dates + moreDates;
            if (!canStart(cost)) break;
            chunk.push(key.name);
            bytes += size;
            dates += moreDates;
          }
          if (chunk.length === 0) return await commitAndStop(segment);
          budget.spend();
          const values = await kv.get(chunk, "text");
          for (const key of chunk) {
            const text = values.get(key);
            if (text == null) continue; // archived by an earlier run, still listed
            const entries = parseBatch(key, text);
            if (segment.keys.length > 0 && segment.bytes + Segment.sizeOf(entries) > config.objectMaxBytes) {
              record(await segment.commit(stores, runId));
              segment = new Segment();
            }
            await segment.add(key, entries);
          }
          i += chunk.length;
        }
        if (page.list_complete) break;
        cursor = page.cursor;
      }
      if (segment.keys.length > 0) record(await segment.commit(stores, runId));
      return false;
    } catch (err) {
      await segment.abort();
      throw err;
    }

    async function commitAndStop(open: Segment): Promise<true> {
      if (open.keys.length > 0) record(await open.commit(stores, runId));
      return true;
    }
  }

  let failure: unknown = null;
  try {
    // 1. Finish what an interrupted run journaled, before listing anything.
    budget.spend();
    const journals = await bucket.list({ prefix: JOURNAL_PREFIX });
    for (const { key } of journals.objects) {
      if (!canStart(1)) {
        result.remaining = true;
        break;
      }
      budget.spend();
      const object = await bucket.get(key);
      if (!object) continue;
      const journal = (await object.json()) as Journal;
      if (!canStart(recoveryCost(journal))) {
        result.remaining = true;
        break;
      }
      record(await completeJournal(stores, journal));
      result.recovered++;
    }
    if (journals.truncated) result.remaining = true;

    // 2. Walk the keys received before the cutoff.
    if (!result.remaining) result.remaining = await walk();

    // 3. The single index key of the first design lists `log:` keys that are now archived.
    if (!result.remaining && canStart(1)) {
      budget.spend();
      await kv.delete(LEGACY_INDEX_KEY);
    }
  } catch (err) {
    failure = err;
  }

  // 4. Whatever happened: leave a pending marker if work is left, record the run, release.
  // These calls were reserved (FINAL_OPS) and are counted apart, so they still
  // run when the work stopped on the budget's safety net.
  const closing = new OpBudget(FINAL_OPS);
  const finishedMs = now();
  try {
    const pending = await readPending(bucket, closing);
    if (result.remaining || failure !== null) {
      const cutoffMs = Math.max(options.cutoffMs, pending?.cutoffMs ?? 0);
      await writePending(bucket, closing, {
        cutoffMs,
        since: pending?.since ?? new Date(finishedMs).toISOString(),
        reason: failure !== null ? "last run failed" : "budget of one invocation reached",
      });
    } else if (pending && pending.cutoffMs <= options.cutoffMs) {
      await clearPending(bucket, closing);
    }
  } catch (err) {
    failure ??= err;
  }
  const lastRun: LastRun = {
    runId,
    trigger: options.trigger,
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: new Date(finishedMs).toISOString(),
    ok: failure === null,
    keys: result.keys,
    entries: result.archived,
    objects: result.objects.length,
    recovered: result.recovered,
    remaining: result.remaining,
    // Including this record's put and the lease release that follow.
    ops: budget.used + closing.used + 3,
    budget: budget.limit,
    cutoff: new Date(options.cutoffMs).toISOString(),
    ...(failure !== null ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
  };
  try {
    await writeLastRun(bucket, closing, lastRun);
  } catch (err) {
    console.error(
      JSON.stringify({ level: "error", message: "archive: could not record the run", err: String(err) }),
    );
  }
  try {
    await releaseLease(bucket, closing, lease);
  } catch (err) {
    // The lease expires on its own; the next run after that takes it over.
    console.error(
      JSON.stringify({ level: "error", message: "archive: could not release the lease", err: String(err) }),
    );
  }
  result.ops = budget.used + closing.used;
  console.log(
    JSON.stringify({
      level: failure === null ? "info" : "error",
      message: "archive run",
      ...lastRun,
      ops: result.ops,
    }),
  );
  if (failure !== null) throw new ArchiveFailed(result, failure);
  return result;
}
