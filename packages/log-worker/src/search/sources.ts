/**
 * Where a search reads: KV batches and the R2 archive, each seen as chunks with
 * a time range (see search.ts), and what reading each kind of chunk does.
 *
 * KV: the `log:` keys are listed whole on every page (the list is the index;
 * its metadata skips batches without reading them), values are read with bulk
 * gets through `getBatches`. R2: only partitions `logs/dt=D/` of dates inside
 * the range are listed; an object's customMetadata skips it whole, its index
 * (`_index/...`) skips blocks, and blocks are read by byte range. Objects
 * without an index are read whole.
 */
import type { StoredLogEntry } from "@log-service/client/schema";
import { datePrefix, indexKey, isArchiveDate } from "../archive/layout";
import {
  bloomMayContain,
  parseObjectIndex,
  parseSummaryMetadata,
  summaryMayMatch,
} from "../archive/object-index";
import { ApiError } from "../http/errors";
import {
  asBatchMetadata,
  BULK_GET_MAX_BYTES,
  getBatches,
  KV_BULK_GET_MAX,
  LOG_KEY_PREFIX,
} from "../store/batches";
import { forEachTextRun, inflateBlocks, type LineFilter, scanLines } from "./lines";
import type { Scanned, Walk } from "./search";

const DAY_MS = 86_400_000;
/** Dates listed one by one up to this many; a wider range first lists which partitions exist. */
const ENUMERATE_DATES_MAX = 31;
/** KV list pages one page may read; past this the backlog is too large to search. */
const MAX_KV_LIST_PAGES = 500;
/** Most bytes one ranged get asks for when it joins adjacent blocks. */
const MAX_RANGE_BYTES = 1024 * 1024;
/** Corrupt object keys named in `scanned`. */
const CORRUPT_KEYS_SHOWN = 10;

interface Span {
  /** First and last sort key (see Walk.key) the chunk may hold. */
  start: number;
  end: number;
}

export type Chunk = Span &
  (
    | { kind: "kv"; key: string; bytes: number | null; t0: number; t1: number }
    | { kind: "date"; date: string }
    | { kind: "object"; key: string; size: number; date: string; indexed: boolean; indexHead: number | null }
    | { kind: "block"; key: string; offset: number; length: number; entries: number }
  );

/** Filters that can be decided from metadata, before reading entries. */
export interface MetadataFilter {
  minRank: number;
  service: string | undefined;
  requestId: string | undefined;
}

/** Receives the entries of one unit; `commit` or `discard` ends it. */
export interface Collector {
  unit(): LineFilter & { commit(): void; discard(): void };
}

export interface NextChunks {
  peek(): Chunk | undefined;
  pop(): Chunk | undefined;
}

function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function dateOf(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export class Sources {
  readonly #seenObjects = new Set<string>();
  readonly #listedDates = new Set<string>();

  constructor(
    private readonly kv: KVNamespace,
    private readonly bucket: R2Bucket,
    private readonly walk: Walk,
    private readonly scanned: Scanned,
    private readonly filter: MetadataFilter,
    private readonly collector: Collector,
  ) {}

  #op(bytes = 0): void {
    this.scanned.operations++;
    this.scanned.bytes += bytes;
  }

  #corrupt(key: string): void {
    this.scanned.corrupt++;
    if (this.scanned.corruptKeys.length < CORRUPT_KEYS_SHOWN) this.scanned.corruptKeys.push(key);
  }

  /** KV batches that may match, and the date partitions of the range. */
  async initialChunks(): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_KV_LIST_PAGES) throw tooManyWaiting();
      this.#op();
      const page = await this.kv.list<unknown>({ prefix: LOG_KEY_PREFIX, cursor });
      for (const { name, metadata } of page.keys) {
        const meta = asBatchMetadata(metadata);
        const { minRank, service } = this.filter;
        const t0 = meta?.t0 ?? Number.NEGATIVE_INFINITY;
        const t1 = meta?.t1 ?? Number.POSITIVE_INFINITY;
        const span = this.walk.span(t0, t1);
        if (
          !span ||
          (meta && (meta.hi < minRank || (service !== undefined && meta.svc && !meta.svc.includes(service))))
        ) {
          this.scanned.kvBatchesSkipped++;
          continue;
        }
        chunks.push({ kind: "kv", key: name, bytes: meta?.b ?? null, t0, t1, ...span });
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    for (const date of await this.#dates()) {
      const span = this.walk.span(dayStart(date), dayStart(date) + DAY_MS - 1);
      if (span) chunks.push({ kind: "date", date, ...span });
    }
    return chunks;
  }

  /** UTC dates between the cursor and the end of the range that may have a partition. */
  async #dates(): Promise<string[]> {
    const { since, until } = this.walk;
    const lo = Math.max(since, this.walk.order === "asc" ? this.walk.after.t : since);
    const hi = Math.min(until, this.walk.order === "desc" ? this.walk.after.t : until);
    if (lo > hi) return [];
    const first = dayStart(dateOf(lo));
    const last = dayStart(dateOf(hi));
    if ((last - first) / DAY_MS < ENUMERATE_DATES_MAX) {
      const dates: string[] = [];
      for (let day = first; day <= last; day += DAY_MS) dates.push(dateOf(day));
      return dates;
    }
    // A wide range (up to 1970–9999): ask R2 which partitions exist instead of listing every day.
    const dates: string[] = [];
    const from = dateOf(first);
    const to = dateOf(last);
    let cursor: string | undefined;
    do {
      this.#op();
      const page = await this.bucket.list({
        prefix: "logs/dt=",
        delimiter: "/",
        startAfter: `logs/dt=${from}`,
        cursor,
      });
      for (const prefix of page.delimitedPrefixes) {
        const date = /^logs\/dt=(.+)\/$/.exec(prefix)?.[1];
        if (date === undefined || !isArchiveDate(date)) continue;
        if (date > to) return dates;
        if (date >= from) dates.push(date);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return dates;
  }

  /**
   * Reads one chunk (and the next ones it can read in the same call, up to about
   * `room` entries); returns the chunks it found inside.
   */
  async read(chunk: Chunk, next: NextChunks, room: number): Promise<Chunk[]> {
    switch (chunk.kind) {
      case "kv":
        return this.#readKv(chunk, next);
      case "date":
        return this.#listDate(chunk.date);
      case "object":
        return chunk.indexed ? this.#readIndex(chunk) : this.#readWhole(chunk);
      case "block":
        return this.#readBlocks(chunk, next, room);
    }
  }

  async #readKv(first: Chunk & { kind: "kv" }, next: NextChunks): Promise<Chunk[]> {
    const batch = [first];
    let bytes = first.bytes ?? 0;
    for (let c = next.peek(); c?.kind === "kv" && batch.length < KV_BULK_GET_MAX; c = next.peek()) {
      if (bytes + (c.bytes ?? 0) > BULK_GET_MAX_BYTES) break;
      next.pop();
      batch.push(c);
      bytes += c.bytes ?? 0;
    }
    const values = await getBatches(
      this.kv,
      batch.map((c) => c.key),
    );
    let read = 0;
    const gone: (Chunk & { kind: "kv" })[] = [];
    for (const c of batch) {
      const entries = values.get(c.key);
      if (!entries) {
        gone.push(c);
        continue;
      }
      this.scanned.kvBatches++;
      read += c.bytes ?? JSON.stringify(entries).length;
      this.#collect(entries);
    }
    this.#op(read);
    // Archived meanwhile: its object exists now. List again the partitions already listed.
    const found: Chunk[] = [];
    for (const date of this.#listedDates) {
      const from = dayStart(date);
      if (gone.some((c) => c.t0 < from + DAY_MS && c.t1 >= from)) found.push(...(await this.#listDate(date)));
    }
    return found;
  }

  #collect(entries: readonly StoredLogEntry[]): void {
    const unit = this.collector.unit();
    for (const entry of entries) {
      this.scanned.entries++;
      const t = Date.parse(entry.timestamp);
      if (Number.isFinite(t)) unit.accept(entry, t);
    }
    unit.commit();
  }

  /** The objects of one partition not seen yet, as chunks (or skipped by their summary). */
  async #listDate(date: string): Promise<Chunk[]> {
    this.#listedDates.add(date);
    const chunks: Chunk[] = [];
    const day = dayStart(date);
    let cursor: string | undefined;
    do {
      this.#op();
      const page = await this.bucket.list({ prefix: datePrefix(date), cursor, include: ["customMetadata"] });
      for (const object of page.objects) {
        if (this.#seenObjects.has(object.key)) continue;
        this.#seenObjects.add(object.key);
        const summary = parseSummaryMetadata(object.customMetadata);
        const mayMatch = !summary || summaryMayMatch(summary, this.filter.minRank, this.filter.service);
        // Without a summary, anything of that day may be inside.
        const span = mayMatch && this.walk.span(summary?.t0 ?? day, summary?.t1 ?? day + DAY_MS - 1);
        if (!span) {
          this.scanned.r2ObjectsSkipped++;
          continue;
        }
        chunks.push({
          kind: "object",
          key: object.key,
          size: object.size,
          date,
          indexed: summary !== null,
          indexHead: summary?.indexHead ?? null,
          ...span,
        });
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return chunks;
  }

  /** An indexed object: its index says which blocks can match. */
  async #readIndex(chunk: Chunk & { kind: "object" }): Promise<Chunk[]> {
    // The Bloom filters (most of the index) are read only for a request id lookup.
    const headOnly = this.filter.requestId === undefined && chunk.indexHead !== null;
    const stored = await this.bucket.get(
      indexKey(chunk.key),
      headOnly ? { range: { offset: 0, length: chunk.indexHead ?? 0 } } : {},
    );
    const text = stored ? await stored.text() : null;
    this.#op(text?.length ?? 0);
    const index = text === null ? null : parseObjectIndex(text, chunk.key, chunk.size);
    if (!index) {
      this.scanned.badIndexes++;
      return [{ ...chunk, indexed: false }];
    }
    this.scanned.indexes++;
    const { minRank, service, requestId } = this.filter;
    const blocks: Chunk[] = [];
    for (const block of index.blocks) {
      const span =
        summaryMayMatch(block, minRank, service) &&
        (requestId === undefined || bloomMayContain(block.requestIds, requestId)) &&
        this.walk.span(block.t0, block.t1);
      if (!span) {
        this.scanned.r2BlocksSkipped++;
        continue;
      }
      blocks.push({
        kind: "block",
        key: chunk.key,
        offset: block.offset,
        length: block.length,
        entries: block.entries,
        ...span,
      });
    }
    if (blocks.length === 0) this.scanned.r2ObjectsSkipped++;
    else this.scanned.r2Objects++;
    return blocks;
  }

  /** Blocks by byte range, joined with the next chunks when they are the adjacent blocks of the same object. */
  async #readBlocks(first: Chunk & { kind: "block" }, next: NextChunks, room: number): Promise<Chunk[]> {
    // Adjacent blocks of the same object are joined into one ranged get while the page has room for them.
    let length = first.length;
    let entries = first.entries;
    let blocks = 1;
    for (let c = next.peek(); c?.kind === "block"; c = next.peek()) {
      if (c.key !== first.key || c.offset !== first.offset + length) break;
      if (length + c.length > MAX_RANGE_BYTES || entries + c.entries > room) break;
      next.pop();
      length += c.length;
      entries += c.entries;
      blocks++;
    }
    const object = await this.bucket.get(first.key, { range: { offset: first.offset, length } });
    if (!object) {
      this.#op();
      return []; // deleted meanwhile (retention)
    }
    const bytes = new Uint8Array(await object.arrayBuffer());
    this.#op(bytes.byteLength);
    this.scanned.r2Blocks += blocks;
    const unit = this.collector.unit();
    try {
      const result = scanLines(inflateBlocks(bytes), unit);
      this.scanned.entries += result.lines;
      if (result.corrupt) throw new Error("not an entry");
      unit.commit();
    } catch {
      unit.discard();
      this.#corrupt(`${first.key}@${first.offset}`);
    }
    return [];
  }

  /** An object without a usable index: streamed whole. */
  async #readWhole(chunk: Chunk & { kind: "object" }): Promise<Chunk[]> {
    const object = await this.bucket.get(chunk.key);
    this.#op(object?.size ?? 0);
    if (!object) return [];
    this.scanned.r2Objects++;
    const unit = this.collector.unit();
    let corrupt = false;
    try {
      await forEachTextRun(object.body, (text) => {
        const result = scanLines(text, unit);
        this.scanned.entries += result.lines;
        corrupt = result.corrupt;
        return !corrupt;
      });
    } catch {
      corrupt = true;
    }
    if (corrupt) {
      unit.discard();
      this.#corrupt(chunk.key);
    } else {
      unit.commit();
    }
    return [];
  }
}

function tooManyWaiting(): ApiError {
  return new ApiError(
    503,
    "search_unavailable",
    "Too many batches wait in KV to search them in one request; run POST /flush, then search again.",
  );
}
