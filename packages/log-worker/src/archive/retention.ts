/**
 * Retention (`ARCHIVE_RETENTION_DAYS`): the daily cron deletes the partitions
 * of days older than the setting, `logs/dt=D/` and the per-object index
 * sidecars search keeps under `_index/dt=D/`. Deleting the data is all it
 * takes for search and the viewer to stop showing a day: they read R2.
 *
 * Work is bounded by the invocation's operation budget (one list and one bulk
 * delete of up to 1,000 objects per step). When the budget runs out the marker
 * `_archive/retention.json` says so and the next drain tick goes on.
 */
import type { OpBudget } from "./budget";
import { ARCHIVE_PREFIX, INDEX_PREFIX, isArchiveDate, RETENTION_KEY } from "./layout";

const DAY_MS = 86_400_000;

export interface RetentionResult {
  /** Days whose partitions are now gone. */
  deletedDays: string[];
  /** Objects deleted by this invocation. */
  objects: number;
  /** Old partitions are left for the next invocation (budget reached). */
  remaining: boolean;
}

/** The first day kept: every `dt=D` before it is deleted. With 30 days on 12-31, 12-01 is kept. */
export function firstKeptDate(nowMs: number, days: number): string {
  return new Date(nowMs - days * DAY_MS).toISOString().slice(0, 10);
}

/** Marker read and write: reserved before any deletion starts. */
const MARKER_OPS = 1;

/** Days older than `before` under `root` ("logs/" or "_index/"), oldest first. */
async function expiredDays(bucket: R2Bucket, budget: OpBudget, root: string, before: string) {
  const days: string[] = [];
  let cursor: string | undefined;
  do {
    if (!budget.affords(1 + MARKER_OPS)) return { days, complete: false };
    budget.spend();
    const listed = await bucket.list({ prefix: `${root}dt=`, delimiter: "/", cursor });
    for (const prefix of listed.delimitedPrefixes) {
      const date = prefix.slice(`${root}dt=`.length, -1);
      if (!isArchiveDate(date)) continue;
      // Prefixes come in key order, which is date order: the rest are kept.
      if (date >= before) return { days, complete: true };
      days.push(date);
    }
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return { days, complete: true };
}

/** Deletes everything under `prefix`. False when the budget ran out first. */
async function deletePrefix(
  bucket: R2Bucket,
  budget: OpBudget,
  prefix: string,
  counted: { objects: number },
) {
  for (;;) {
    if (!budget.affords(2 + MARKER_OPS)) return false;
    budget.spend();
    // No cursor: each page is deleted before the next list, so the first page is always the next one.
    const listed = await bucket.list({ prefix, limit: 1000 });
    if (listed.objects.length === 0) return true;
    budget.spend();
    await bucket.delete(listed.objects.map((o) => o.key));
    counted.objects += listed.objects.length;
    if (!listed.truncated) return true;
  }
}

export async function deleteExpiredPartitions(
  bucket: R2Bucket,
  budget: OpBudget,
  nowMs: number,
  days: number,
): Promise<RetentionResult> {
  const before = firstKeptDate(nowMs, days);
  const counted = { objects: 0 };
  const deletedDays = new Set<string>();
  // The archive first, then sidecars whose day has no data left (or never had).
  for (const root of [ARCHIVE_PREFIX, INDEX_PREFIX]) {
    const expired = await expiredDays(bucket, budget, root, before);
    for (const date of expired.days) {
      if (!(await deletePrefix(bucket, budget, `${root}dt=${date}/`, counted))) {
        return { deletedDays: [...deletedDays], objects: counted.objects, remaining: true };
      }
      if (root === ARCHIVE_PREFIX) {
        // The day's sidecars go with it, so no index outlives its data for long.
        if (!(await deletePrefix(bucket, budget, `${INDEX_PREFIX}dt=${date}/`, counted))) {
          return { deletedDays: [...deletedDays], objects: counted.objects, remaining: true };
        }
      }
      deletedDays.add(date);
    }
    if (!expired.complete)
      return { deletedDays: [...deletedDays], objects: counted.objects, remaining: true };
  }
  return { deletedDays: [...deletedDays], objects: counted.objects, remaining: false };
}

interface RetentionMarker {
  due: boolean;
  updatedAt: string;
}

/**
 * One invocation's retention work: always on the daily cron, on a drain tick
 * only when the marker says the daily one stopped short. Never throws.
 */
export async function runRetention(
  bucket: R2Bucket,
  budget: OpBudget,
  options: { days: number | null; daily: boolean; nowMs: number },
): Promise<RetentionResult | null> {
  if (options.days === null) return null;
  try {
    if (!budget.affords(MARKER_OPS + MARKER_OPS)) return null;
    budget.spend();
    const object = await bucket.get(RETENTION_KEY);
    let due = false;
    if (object) {
      try {
        due = (JSON.parse(await object.text()) as Partial<RetentionMarker>).due === true;
      } catch {
        due = true; // unreadable: doing the work again is harmless
      }
    }
    if (!options.daily && !due) return null;
    const result = await deleteExpiredPartitions(bucket, budget, options.nowMs, options.days);
    if (result.remaining || due) {
      const marker: RetentionMarker = {
        due: result.remaining,
        updatedAt: new Date(options.nowMs).toISOString(),
      };
      budget.unbounded().spend(); // reserved by MARKER_OPS
      await bucket.put(RETENTION_KEY, JSON.stringify(marker), {
        httpMetadata: { contentType: "application/json" },
      });
    }
    if (result.objects > 0 || result.remaining) {
      console.log(JSON.stringify({ level: "info", message: "archive: retention", ...result }));
    }
    return result;
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "archive: retention failed", err: String(err) }));
    return null;
  }
}
