/**
 * A segment: consecutive batch keys archived together, and how it is committed.
 *
 * Commit order is what makes the archive safe:
 *   1. put the journal (`_archive/journal/<segment>.json`: the keys, their sizes, the object names)
 *   2. per UTC date of the segment's entries: put the object's index
 *      (`_index/dt=D/<name>.json`), then the gzip NDJSON object itself, so an
 *      object a reader can list always has its index
 *   3. delete the segment's keys from KV (renewing the lease as the deletes go)
 *   4. add the keys to the recently-archived record (recent.ts), then delete the journal
 * Nothing is deleted from KV before every object holding its entries is written.
 * A crash after 1 leaves the journal, and the next run finishes the segment
 * (archive-journal.ts). Object names derive from the segment's keys, so redoing
 * a segment never adds a second copy.
 */
import { LOG_LEVELS, type LogLevel, levelRank, type StoredLogEntry } from "@log-service/client/schema";
import { parseLogKey } from "../store/batches";
import type { OpBudget } from "./budget";
import { forEachLimit } from "./concurrency";
import { entryDate, indexKey, journalKey, objectKey, segmentId } from "./layout";
import { BlockedGzipNdjson, type BuiltObject, type LineFacts } from "./object";
import { serializeIndex, summaryMetadata } from "./object-index";

/** R2 puts per archive object: its index, then the object. */
export const PUTS_PER_OBJECT = 2;

import type { RecentlyArchived } from "./recent";

/** What a journal holds: enough to finish the segment without the run that wrote it. */
export interface Journal {
  v: 1;
  segment: string;
  runId: string;
  createdAt: string;
  /** The segment's batch keys that may still be in KV, in order. */
  keys: string[];
  /** Stored bytes of each key's value (same order), to bound bulk reads. */
  sizes: number[];
  /** Every object of the segment. */
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
  /** Renews the run's lease when due (a long delete loop must not outlive it). */
  renewLease?: () => Promise<void>;
  /** Keys archived lately, which KV may still list: each commit adds its own. */
  recent: RecentlyArchived;
  /** Clock, for tests. */
  now?: () => number;
}

const encoder = new TextEncoder();

/**
 * A batch as the archive reads it: each entry serialized once, as the NDJSON
 * line (UTF-8, with its newline) that goes into the object of its date.
 */
export interface ReadBatch {
  key: string;
  /** Bytes of the stored value. */
  storedBytes: number;
  lines: readonly { date: string; bytes: Uint8Array; facts: LineFacts }[];
  /** NDJSON bytes of all lines. */
  ndjsonBytes: number;
  /** UTC dates the entries are filed under. */
  dates: ReadonlySet<string>;
}

export function readBatch(key: string, storedBytes: number, entries: readonly StoredLogEntry[]): ReadBatch {
  const fallbackMs = parseLogKey(key)?.receivedAtMs ?? 0;
  let ndjsonBytes = 0;
  const dates = new Set<string>();
  const lines = entries.map((entry) => {
    const date = entryDate(entry.timestamp, fallbackMs);
    const bytes = encoder.encode(`${JSON.stringify(entry)}\n`);
    ndjsonBytes += bytes.byteLength;
    dates.add(date);
    const t = Date.parse(entry.timestamp);
    const facts: LineFacts = {
      t: Number.isFinite(t) ? t : fallbackMs,
      level: LOG_LEVELS.includes(entry.level) ? levelRank(entry.level as LogLevel) : levelRank("info"),
      service: typeof entry.service === "string" ? entry.service : undefined,
      requestId: typeof entry.requestId === "string" ? entry.requestId : undefined,
    };
    return { date, bytes, facts };
  });
  return { key, storedBytes, lines, ndjsonBytes, dates };
}

export class Segment {
  readonly keys: string[] = [];
  readonly sizes: number[] = [];
  readonly #objects = new Map<string, BlockedGzipNdjson>();
  /** NDJSON bytes across all of the segment's objects, before compression. */
  bytes = 0;
  entries = 0;

  get isEmpty(): boolean {
    return this.keys.length === 0;
  }

  get dates(): ReadonlySet<string> {
    return new Set(this.#objects.keys());
  }

  /**
   * Operations a commit makes: journal put and delete, the recently-archived
   * record, two puts per date (index and object), one delete per key; with
   * `batch`, as if it were added first.
   */
  commitCost(batch?: ReadBatch): number {
    let dates = this.#objects.size;
    if (batch) for (const date of batch.dates) if (!this.#objects.has(date)) dates++;
    return 3 + PUTS_PER_OBJECT * dates + this.keys.length + (batch ? 1 : 0);
  }

  async add(batch: ReadBatch): Promise<void> {
    for (const { date, bytes, facts } of batch.lines) {
      let object = this.#objects.get(date);
      if (!object) {
        object = new BlockedGzipNdjson();
        this.#objects.set(date, object);
      }
      object.addLine(bytes, facts);
    }
    this.bytes += batch.ndjsonBytes;
    this.entries += batch.lines.length;
    this.keys.push(batch.key);
    this.sizes.push(batch.storedBytes);
  }

  /** Finishes every object (key, gzip bytes, lines, index), by date. */
  async build(segment: string): Promise<BuiltObject[]> {
    const built: BuiltObject[] = [];
    for (const [date, object] of [...this.#objects].sort(([a], [b]) => a.localeCompare(b))) {
      built.push(object.finish(objectKey(date, segment)));
    }
    this.#objects.clear();
    return built;
  }

  async abort(): Promise<void> {
    this.#objects.clear();
  }

  /** Steps 1–4 above. */
  async commit(stores: SegmentStores, runId: string): Promise<CommitResult> {
    const { bucket, budget } = stores;
    const firstMs = parseLogKey(this.keys[0] ?? "")?.receivedAtMs ?? 0;
    const segment = await segmentId(this.keys, firstMs);
    const built = await this.build(segment);
    const journal: Journal = {
      v: 1,
      segment,
      runId,
      createdAt: new Date().toISOString(),
      keys: this.keys,
      sizes: this.sizes,
      objects: built.map((o) => o.key),
    };
    budget.spend();
    await bucket.put(journalKey(segment), JSON.stringify(journal), {
      httpMetadata: { contentType: "application/json" },
    });
    for (const object of built) {
      budget.spend(PUTS_PER_OBJECT);
      await putArchiveObject(bucket, object, this.keys.length, segment);
    }
    await deleteKeys(stores, this.keys);
    await stores.recent.record(bucket, budget, this.keys, stores.now?.() ?? Date.now());
    budget.spend();
    await bucket.delete(journalKey(segment));
    return { keys: this.keys.length, entries: this.entries, objects: journal.objects };
  }
}

/**
 * Puts an object's index, then the object (PUTS_PER_OBJECT calls). The index is
 * rewritten unconditionally: the same segment always builds the same bytes.
 */
export async function putArchiveObject(
  bucket: R2Bucket,
  object: BuiltObject,
  batches: number,
  segment: string,
  onlyIfAbsent = false,
): Promise<R2Object | null> {
  const index = serializeIndex(object.index);
  await bucket.put(indexKey(object.key), index.text, {
    httpMetadata: { contentType: "application/x-ndjson" },
  });
  return bucket.put(object.key, object.body, {
    // Not Content-Encoding: gzip, so that HTTP clients (DuckDB httpfs, browsers) do not
    // decompress it behind the .gz extension's back.
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: {
      entries: String(object.lines),
      batches: String(batches),
      segment,
      ...summaryMetadata(object.index, index.headBytes),
    },
    ...(onlyIfAbsent ? { onlyIf: { etagDoesNotMatch: "*" } } : {}),
  });
}

/**
 * No bulk delete on the binding: one call per key, a bounded number in flight.
 * Thousands of deletes can take minutes, so the lease is renewed between them
 * (a no-op until a third of its life is left).
 */
export async function deleteKeys(stores: SegmentStores, keys: readonly string[]): Promise<void> {
  await forEachLimit(keys, stores.deleteConcurrency, async (key) => {
    await stores.renewLease?.();
    stores.budget.spend();
    return stores.kv.delete(key);
  });
}
