/**
 * A segment: consecutive batch keys archived together, and how it is committed.
 *
 * Commit order is what makes the archive safe:
 *   1. put the journal (`_archive/journal/<segment>.json`: the keys and object names)
 *   2. put one gzip NDJSON object per UTC date of the segment's entries
 *   3. delete the segment's keys from KV
 *   4. delete the journal
 * Nothing is deleted from KV before every object holding its entries is written.
 * A crash after 1 leaves the journal; the next run finds it and finishes the
 * segment (rebuilding missing objects from the keys, which are all still in KV,
 * or just deleting the keys when every object exists). Object names derive from
 * the segment's keys, so redoing a segment never adds a second copy.
 */
import type { StoredLogEntry } from "@log-service/client/schema";
import { entryDate, journalKey, objectKey, segmentId } from "./archive-layout";
import { GzipNdjson } from "./archive-object";
import type { OpBudget } from "./budget";
import { forEachLimit } from "./concurrency";
import { KV_BULK_GET_MAX, parseBatch, parseLogKey } from "./store";

export interface Journal {
  segment: string;
  runId: string;
  createdAt: string;
  keys: string[];
  objects: string[];
}

export interface CommitResult {
  keys: number;
  entries: number;
  objects: string[];
}

export interface SegmentStores {
  kv: KVNamespace;
  bucket: R2Bucket;
  budget: OpBudget;
  deleteConcurrency: number;
}

const encoder = new TextEncoder();

export class Segment {
  readonly keys: string[] = [];
  readonly #objects = new Map<string, GzipNdjson>();
  /** NDJSON bytes across all of the segment's objects, before compression. */
  bytes = 0;
  entries = 0;

  get dates(): ReadonlySet<string> {
    return new Set(this.#objects.keys());
  }

  /** Operations a commit of this segment makes: journal put and delete, object puts, key deletes. */
  commitCost(extraKeys = 0, extraDates = 0): number {
    return 2 + this.#objects.size + extraDates + this.keys.length + extraKeys;
  }

  /** NDJSON bytes `entries` would add. */
  static sizeOf(entries: readonly StoredLogEntry[]): number {
    let bytes = 0;
    for (const entry of entries) bytes += encoder.encode(JSON.stringify(entry)).byteLength + 1;
    return bytes;
  }

  async add(key: string, entries: readonly StoredLogEntry[]): Promise<void> {
    const fallbackMs = parseLogKey(key)?.receivedAtMs ?? Date.now();
    for (const entry of entries) {
      const date = entryDate(entry.timestamp, fallbackMs);
      let object = this.#objects.get(date);
      if (!object) {
        object = new GzipNdjson();
        this.#objects.set(date, object);
      }
      const before = object.bytes;
      await object.add(entry);
      this.bytes += object.bytes - before;
    }
    this.entries += entries.length;
    this.keys.push(key);
  }

  /** The object being built for one date (recovery puts only the missing ones). */
  objectFor(date: string): GzipNdjson {
    const object = this.#objects.get(date);
    if (!object) throw new Error(`segment has no entries dated ${date}`);
    return object;
  }

  async abort(): Promise<void> {
    await Promise.all([...this.#objects.values()].map((o) => o.abort()));
    this.#objects.clear();
  }

  /** Steps 1–4 above. */
  async commit(stores: SegmentStores, runId: string): Promise<CommitResult> {
    const { bucket, budget } = stores;
    const firstMs = parseLogKey(this.keys[0] ?? "")?.receivedAtMs ?? 0;
    const segment = await segmentId(this.keys, firstMs);
    const built: { key: string; body: Uint8Array; lines: number }[] = [];
    for (const [date, object] of [...this.#objects].sort(([a], [b]) => a.localeCompare(b))) {
      built.push({ key: objectKey(date, segment), body: await object.finish(), lines: object.lines });
    }
    this.#objects.clear();
    const journal: Journal = {
      segment,
      runId,
      createdAt: new Date().toISOString(),
      keys: this.keys,
      objects: built.map((o) => o.key),
    };
    budget.spend();
    await bucket.put(journalKey(segment), JSON.stringify(journal), {
      httpMetadata: { contentType: "application/json" },
    });
    for (const object of built) {
      budget.spend();
      await putArchiveObject(bucket, object.key, object.body, object.lines, this.keys.length, segment);
    }
    await deleteKeys(stores, this.keys);
    budget.spend();
    await bucket.delete(journalKey(segment));
    return { keys: this.keys.length, entries: this.entries, objects: journal.objects };
  }
}

function putArchiveObject(
  bucket: R2Bucket,
  key: string,
  body: Uint8Array,
  lines: number,
  batches: number,
  segment: string,
  onlyIfAbsent = false,
): Promise<R2Object | null> {
  return bucket.put(key, body, {
    // Not Content-Encoding: gzip, so that HTTP clients (DuckDB httpfs, browsers) do not
    // decompress it behind the .gz extension's back.
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { entries: String(lines), batches: String(batches), segment },
    ...(onlyIfAbsent ? { onlyIf: { etagDoesNotMatch: "*" } } : {}),
  });
}

async function deleteKeys(stores: SegmentStores, keys: readonly string[]): Promise<void> {
  // No bulk delete on the binding: one call per key, a bounded number in flight.
  await forEachLimit(keys, stores.deleteConcurrency, (key) => {
    stores.budget.spend();
    return stores.kv.delete(key);
  });
}

/** Worst-case operations to finish a journal's segment (see `completeJournal`). */
export function recoveryCost(journal: Journal): number {
  const objects = journal.objects.length;
  return objects + Math.ceil(journal.keys.length / KV_BULK_GET_MAX) + objects + journal.keys.length + 1;
}

/**
 * Finishes the segment an interrupted run journaled. Returns the entries it
 * had to write again (0 when every object already existed).
 */
export async function completeJournal(stores: SegmentStores, journal: Journal): Promise<CommitResult> {
  const { kv, bucket, budget } = stores;
  const missing: string[] = [];
  for (const key of journal.objects) {
    budget.spend();
    if (!(await bucket.head(key))) missing.push(key);
  }
  let entries = 0;
  if (missing.length > 0) {
    // Deletes only start after every object is written, so all keys are still in KV.
    const rebuilt = new Segment();
    for (let i = 0; i < journal.keys.length; i += KV_BULK_GET_MAX) {
      const chunk = journal.keys.slice(i, i + KV_BULK_GET_MAX);
      budget.spend();
      const values = await kv.get(chunk, "text");
      for (const key of chunk) {
        const text = values.get(key);
        if (text != null) await rebuilt.add(key, parseBatch(key, text));
      }
    }
    const objects = new Map<string, GzipNdjson>();
    for (const date of rebuilt.dates) objects.set(objectKey(date, journal.segment), rebuilt.objectFor(date));
    for (const key of missing) {
      const object = objects.get(key);
      if (!object) continue;
      budget.spend();
      // Never overwrite: an object that exists already holds exactly these entries.
      await putArchiveObject(
        bucket,
        key,
        await object.finish(),
        object.lines,
        journal.keys.length,
        journal.segment,
        true,
      );
      entries += object.lines;
    }
    await rebuilt.abort();
  }
  await deleteKeys(stores, journal.keys);
  budget.spend();
  await bucket.delete(journalKey(journal.segment));
  return { keys: journal.keys.length, entries, objects: missing };
}
