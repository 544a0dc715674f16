/**
 * Finishing segments that an interrupted run journaled (see archive-segment.ts).
 *
 * One step on a journal: check which of its objects exist; read which of its
 * keys are still in KV (bulk gets, bounded by the sizes the journal recorded);
 * if objects are missing, rebuild them from those keys (all still in KV, since
 * deletes only start once every object exists) with create-only puts; then
 * delete as many of the keys as the budget allows and rewrite the journal with
 * the rest, or delete it. Each step makes progress even when the previous
 * invocation was cut off by the platform in the middle of its deletes, and a
 * journal larger than one budget is finished over several invocations.
 */
import { z } from "zod";
import { bulkGetChunks, getBatches } from "../store/batches";
import { CONTROL_PREFIX, JOURNAL_PREFIX } from "./layout";
import {
  type CommitResult,
  deleteKeys,
  type Journal,
  PUTS_PER_OBJECT,
  putArchiveObject,
  readBatch,
  Segment,
  type SegmentStores,
} from "./segment";

const journalSchema = z
  .object({
    v: z.literal(1),
    segment: z.string().regex(/^[0-9a-f-]+$/),
    runId: z.string(),
    createdAt: z.string(),
    keys: z.array(z.string().startsWith("log:")),
    sizes: z.array(z.number().int().nonnegative()),
    objects: z.array(z.string().startsWith("logs/")),
  })
  .refine((j) => j.keys.length === j.sizes.length, "keys and sizes differ in length");

/**
 * A journal's content: "gone" when it no longer exists, null only when it is
 * not a valid journal (so it may be quarantined). Read errors are thrown.
 */
export async function readJournal(bucket: R2Bucket, key: string): Promise<Journal | "gone" | null> {
  const object = await bucket.get(key);
  if (!object) return "gone";
  // Outside the try: a read that fails (R2 briefly unavailable) says nothing
  // about the journal, and moving a valid journal aside would archive its keys again.
  const text = await object.text();
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as Journal) : null;
  } catch {
    return null;
  }
}

/**
 * Moves a journal this version cannot read out of the way (to
 * `_archive/journal-invalid/`), so it never blocks the archive; an operator
 * can inspect it there. Its keys, if any, are still in KV and are archived by
 * the normal walk.
 */
export async function quarantineJournal(stores: SegmentStores, key: string): Promise<void> {
  const { bucket, budget } = stores;
  budget.spend();
  const object = await bucket.get(key);
  if (!object) return;
  const target = `${CONTROL_PREFIX}journal-invalid/${key.slice(JOURNAL_PREFIX.length)}`;
  budget.spend();
  await bucket.put(target, await object.text(), { httpMetadata: { contentType: "application/json" } });
  budget.spend();
  await bucket.delete(key);
  console.error(
    JSON.stringify({
      level: "error",
      message: "archive: unreadable journal moved aside",
      journal: key,
      to: target,
    }),
  );
}

/** Operations one step needs before it can delete anything. */
export function journalStepCost(journal: Journal): number {
  const reads = bulkGetChunks(journal.sizes.map((bytes) => ({ bytes }))).length;
  // heads + reads + (worst case) the puts of every object + the recently-archived record + the journal rewrite or delete
  return journal.objects.length + reads + PUTS_PER_OBJECT * journal.objects.length + 2;
}

export interface JournalStep extends CommitResult {
  /** Every key is deleted and the journal is gone. */
  done: boolean;
}

/**
 * One step on `journal` (see above). `deletesAllowed` says how many deletes the
 * caller's budget leaves after this step's other operations.
 */
export async function advanceJournal(
  stores: SegmentStores,
  journalKey: string,
  journal: Journal,
  deletesAllowed: (afterSteps: number) => number,
): Promise<JournalStep> {
  const { kv, bucket, budget } = stores;
  const missing = new Set<string>();
  for (const key of journal.objects) {
    budget.spend();
    if (!(await bucket.head(key))) missing.add(key);
  }

  // Which keys are still in KV; while reading, rebuild the objects that are missing.
  const present: { key: string; bytes: number }[] = [];
  const rebuild = missing.size > 0 ? new Segment() : null;
  const items = journal.keys.map((key, i) => ({ key, bytes: journal.sizes[i] ?? 0 }));
  try {
    for (const chunk of bulkGetChunks(items)) {
      budget.spend(); // one bulk get: a chunk holds at most 100 keys
      const batches = await getBatches(
        kv,
        chunk.map((c) => c.key),
      );
      for (const item of chunk) {
        const entries = batches.get(item.key);
        if (!entries) continue;
        present.push(item);
        if (rebuild) await rebuild.add(readBatch(item.key, item.bytes, entries));
      }
    }
    let entries = 0;
    const rewritten: string[] = [];
    if (rebuild) {
      for (const object of await rebuild.build(journal.segment)) {
        if (!missing.has(object.key)) continue;
        budget.spend(PUTS_PER_OBJECT);
        // Create-only: an object that exists already holds exactly these entries.
        await putArchiveObject(bucket, object, journal.keys.length, journal.segment, true);
        entries += object.lines;
        rewritten.push(object.key);
      }
    }

    const allowed = Math.max(0, Math.min(present.length, deletesAllowed(2)));
    const deleting = present.slice(0, allowed);
    await deleteKeys(
      stores,
      deleting.map((d) => d.key),
    );
    const left = present.slice(allowed);
    // Every key of the journal not left for later is archived (deleted now, or
    // by the interrupted run): KV may list it for another minute.
    const kept = new Set(left.map((l) => l.key));
    await stores.recent.record(
      bucket,
      budget,
      journal.keys.filter((k) => !kept.has(k)),
      stores.now?.() ?? Date.now(),
    );
    budget.spend();
    if (left.length === 0) {
      await bucket.delete(journalKey);
    } else {
      const rest: Journal = { ...journal, keys: left.map((l) => l.key), sizes: left.map((l) => l.bytes) };
      await bucket.put(journalKey, JSON.stringify(rest), {
        httpMetadata: { contentType: "application/json" },
      });
    }
    return { keys: deleting.length, entries, objects: rewritten, done: left.length === 0 };
  } finally {
    await rebuild?.abort();
  }
}
