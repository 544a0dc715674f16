/**
 * The archive job: move every batch waiting in KV into R2, then delete it from KV.
 *
 * One plain function, `archiveLogs`, serves the daily cron, the drain cron and
 * `POST /flush`. A run:
 *   1. takes the lease (one run at a time; `ArchiveBusy` when held);
 *   2. loads the keys archived in the last minutes, which KV may still list
 *      (recent.ts), and finishes segments an interrupted run journaled (journal.ts);
 *   3. walks the `log:` keys received before the cutoff, in pages of 1,000, reading
 *      values with bulk gets of ≤ 100 keys and ≤ 4 MiB, streaming entries into
 *      per-date gzip NDJSON objects, committing a segment whenever the next
 *      batch would push an object past the size bound (archive-segment.ts);
 *   4. stops, saying `remaining`, before its operation budget or its time runs out;
 *      a drain marker makes the drain cron continue where it stopped;
 *   5. records its outcome in `_archive/last-run.json` and releases the lease.
 *
 * The budget is planned exactly: after every batch added to the open segment,
 * the operations made so far plus those that committing the segment and
 * closing the run would make must fit the budget, else the batch is left in KV
 * for the next invocation. Memory stays bounded: one page of key names, one
 * bulk read, one segment's compressed objects.
 */

import {
  asBatchMetadata,
  bulkGetChunks,
  getBatches,
  LEGACY_INDEX_KEY,
  LOG_KEY_PREFIX,
  parseLogKey,
  UNKNOWN_VALUE_BYTES,
} from "../store/batches";
import { OpBudget } from "./budget";
import { type ArchiveConfig, type ArchiveVars, archiveConfig } from "./config";
import { advanceJournal, journalStepCost, quarantineJournal, readJournal } from "./journal";
import { JOURNAL_PREFIX } from "./layout";
import { ArchiveBusy, Lease, LeaseLost } from "./lease";
import { RecentlyArchived } from "./recent";
import { type CommitResult, readBatch, Segment, type SegmentStores } from "./segment";
import {
  type ArchiveTrigger,
  clearDrain,
  type LastRun,
  markDrainDue,
  PENDING_UPDATE_OPS,
  writeLastRun,
} from "./state";

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
  /** Journaled segments of interrupted runs that this run finished. */
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

/**
 * Operations kept for the end of a run: the drain marker (read and conditional
 * put, once retried), the last-run record, the lease release.
 */
const CLOSING_OPS = 2 * PENDING_UPDATE_OPS + 2;
/**
 * Lease renewals one step may need: one before it, and up to three in a
 * commit's delete loop (config.ts makes the lease outlast a commit, and it is
 * renewed when a third of it is left).
 */
const RENEWAL_OPS = 4;
/**
 * Stop starting work after this long: a cron invocation has 15 minutes of wall
 * time, and what is left is picked up by the drain within five minutes.
 */
const MAX_RUN_MS = 10 * 60_000;

export async function archiveLogs(env: ArchiveEnv, options: ArchiveOptions): Promise<ArchiveResult> {
  const config: ArchiveConfig = { ...archiveConfig(env), ...options.config };
  const run = new ArchiveRun(env, options, config);
  let lease: Lease;
  try {
    lease = await Lease.acquire(env.log_archive, run.budget, {
      runId: run.result.runId,
      trigger: options.trigger,
      nowMs: run.now(),
      leaseMs: config.leaseMs,
    });
  } catch (err) {
    if (err instanceof ArchiveBusy) throw err;
    throw new ArchiveFailed(run.result, err);
  }
  return run.execute(lease);
}

class ArchiveRun {
  readonly budget: OpBudget;
  readonly now: () => number;
  readonly result: ArchiveResult;
  readonly #stores: SegmentStores;
  readonly #startedMs: number;
  #lease: Lease | null = null;
  /** Keys of journals this run recovered: KV may still list them. */
  readonly #recovered = new Set<string>();

  constructor(
    private readonly env: ArchiveEnv,
    private readonly options: ArchiveOptions,
    private readonly config: ArchiveConfig,
  ) {
    this.budget = options.budget ?? new OpBudget(config.opsBudget);
    this.now = options.now ?? Date.now;
    this.#startedMs = this.now();
    this.result = {
      runId: crypto.randomUUID(),
      archived: 0,
      keys: 0,
      objects: [],
      remaining: false,
      recovered: 0,
      ops: 0,
      budget: this.budget.limit,
    };
    this.#stores = {
      kv: env.log_state,
      bucket: env.log_archive,
      budget: this.budget,
      deleteConcurrency: config.deleteConcurrency,
      renewLease: () => this.#renewLease(),
      recent: new RecentlyArchived(),
      now: this.now,
    };
  }

  async execute(lease: Lease): Promise<ArchiveResult> {
    this.#lease = lease;
    let failure: unknown = null;
    try {
      this.result.remaining = (await this.#recoverJournals()) || (await this.#walk());
      if (!this.result.remaining && this.#canStart(1)) {
        // The first design's single index key lists `log:` keys; they are archived now.
        this.budget.spend();
        await this.env.log_state.delete(LEGACY_INDEX_KEY);
      }
    } catch (err) {
      failure = err;
    }
    await this.#close(failure);
    if (failure instanceof LeaseLost) throw new ArchiveBusy(null);
    if (failure !== null) throw new ArchiveFailed(this.result, failure);
    return this.result;
  }

  /** Can `ops` more operations start now and still leave room to commit the open segment and close? */
  #canStart(ops: number, segmentCost = 0): boolean {
    return (
      this.budget.affords(ops + segmentCost + RENEWAL_OPS + CLOSING_OPS) &&
      this.now() - this.#startedMs < MAX_RUN_MS
    );
  }

  #record(commit: CommitResult): void {
    this.result.keys += commit.keys;
    this.result.archived += commit.entries;
    this.result.objects.push(...commit.objects);
  }

  async #renewLease(): Promise<void> {
    await this.#lease?.renewIfDue(this.budget, this.now());
  }

  /** Step 2. Returns true when journals are left for a later invocation. */
  async #recoverJournals(): Promise<boolean> {
    const { bucket } = this.#stores;
    if (!this.#canStart(1)) return true;
    await this.#stores.recent.load(bucket, this.budget, this.#startedMs);
    let cursor: string | undefined;
    do {
      if (!this.#canStart(1)) return true;
      this.budget.spend();
      const listed = await bucket.list({ prefix: JOURNAL_PREFIX, cursor });
      for (const { key } of listed.objects) {
        if (!this.#canStart(1)) return true;
        this.budget.spend();
        const journal = await readJournal(bucket, key);
        if (journal === "gone") continue;
        if (journal === null) {
          if (!this.#canStart(3)) return true;
          await quarantineJournal(this.#stores, key);
          continue;
        }
        for (const k of journal.keys) this.#recovered.add(k);
        // Enough for the step and at least one delete, or leave it for the next invocation.
        if (!this.#canStart(journalStepCost(journal) + 1)) return true;
        await this.#renewLease();
        const step = await advanceJournal(this.#stores, key, journal, (after) =>
          Math.max(0, this.budget.left - after - RENEWAL_OPS - CLOSING_OPS),
        );
        this.#record(step);
        if (!step.done) return true;
        this.result.recovered++;
      }
      cursor = listed.truncated ? listed.cursor : undefined;
    } while (cursor);
    return false;
  }

  /** Step 3. Returns true when batches before the cutoff are left for a later invocation. */
  async #walk(): Promise<boolean> {
    const { kv } = this.#stores;
    let segment = new Segment();
    let cursor: string | undefined;
    const commit = async () => {
      if (segment.isEmpty) return;
      await this.#renewLease();
      const open = segment;
      segment = new Segment();
      this.#record(await open.commit(this.#stores, this.result.runId));
    };
    try {
      for (;;) {
        if (!this.#canStart(1, segment.commitCost())) {
          await commit();
          return true;
        }
        await this.#renewLease();
        this.budget.spend();
        const page = await kv.list<unknown>({ prefix: LOG_KEY_PREFIX, cursor });
        // Keys sort by receive time: the first one at or after the cutoff ends the walk,
        // so the batches that keep arriving are never listed by this run.
        let reachedCutoff = false;
        const due: { key: string; bytes: number }[] = [];
        for (const listed of page.keys) {
          const receivedAtMs = parseLogKey(listed.name)?.receivedAtMs;
          if (receivedAtMs !== undefined && receivedAtMs >= this.options.cutoffMs) {
            reachedCutoff = true;
            break;
          }
          // Deleted by a recent run; KV's list (and get) can lag behind a delete by a minute.
          if (this.#stores.recent.has(listed.name) || this.#recovered.has(listed.name)) continue;
          due.push({ key: listed.name, bytes: asBatchMetadata(listed.metadata)?.b ?? UNKNOWN_VALUE_BYTES });
        }
        for (const chunk of bulkGetChunks(due)) {
          // The read, and at least one key's delete, on top of the open segment's commit.
          if (!this.#canStart(2, segment.commitCost())) {
            await commit();
            return true;
          }
          this.budget.spend(); // one bulk get: a chunk holds at most 100 keys
          const batches = await getBatches(
            kv,
            chunk.map((c) => c.key),
          );
          for (const item of chunk) {
            const entries = batches.get(item.key);
            if (!entries) continue; // deleted by an earlier run, still listed
            const batch = readBatch(item.key, item.bytes, entries);
            if (!segment.isEmpty && segment.bytes + batch.ndjsonBytes > this.config.objectMaxBytes) {
              await commit();
            }
            if (!this.#canStart(0, segment.commitCost(batch))) {
              // This batch stays in KV for the next invocation.
              await commit();
              return true;
            }
            await segment.add(batch);
          }
        }
        if (reachedCutoff || page.list_complete) break;
        cursor = page.cursor;
      }
      await commit();
      return false;
    } catch (err) {
      await segment.abort();
      throw err;
    }
  }

  /** Step 5: drain marker, last-run record, lease release. Never throws. */
  async #close(failure: unknown): Promise<void> {
    const { bucket } = this.#stores;
    const nowMs = this.now();
    // Counted on the same budget: CLOSING_OPS were kept free for these calls.
    const closing = this.budget;
    const note = (what: string, err: unknown) =>
      console.error(
        JSON.stringify({ level: "error", message: `archive: could not ${what}`, err: String(err) }),
      );
    try {
      if (this.result.remaining || failure !== null) {
        const reason = failure !== null ? "last run failed" : "budget of one invocation reached";
        await markDrainDue(bucket, closing.unbounded(), this.options.cutoffMs, reason);
      } else {
        await clearDrain(bucket, closing.unbounded(), this.options.cutoffMs, this.#startedMs);
      }
    } catch (err) {
      note("update the drain marker", err);
    }
    const lastRun: LastRun = {
      runId: this.result.runId,
      trigger: this.options.trigger,
      startedAt: new Date(this.#startedMs).toISOString(),
      finishedAt: new Date(nowMs).toISOString(),
      ok: failure === null,
      keys: this.result.keys,
      entries: this.result.archived,
      objects: this.result.objects.length,
      recovered: this.result.recovered,
      remaining: this.result.remaining || failure !== null,
      // Including this record's put and the lease release that follow.
      ops: this.budget.used + 2,
      budget: this.budget.limit,
      cutoff: new Date(this.options.cutoffMs).toISOString(),
      ...(failure !== null ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
    };
    try {
      await writeLastRun(bucket, closing.unbounded(), lastRun);
    } catch (err) {
      note("record the run", err);
    }
    try {
      await this.#lease?.release(closing.unbounded(), this.now());
    } catch (err) {
      // The lease expires on its own; the next run after that takes it over.
      note("release the lease", err);
    }
    this.result.ops = this.budget.used;
    console.log(
      JSON.stringify({
        level: failure === null ? "info" : "error",
        message: "archive run",
        ...lastRun,
        ops: this.result.ops,
      }),
    );
  }
}
