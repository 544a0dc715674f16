/**
 * `searchLogs`: one page of entries from KV and R2 together, in (timestamp, id) order.
 *
 * How a page stays correct with a bounded scan. Everything that may hold
 * entries is a *chunk* with a time range: a KV batch (range from its list
 * metadata), an R2 date partition, an archive object (range from its
 * customMetadata), an object's block (range from its index). Chunks are read in
 * the order their range starts in the walk's direction; reading a partition or
 * an object adds the chunks it contains. At any moment, every entry that comes
 * before the start of the earliest unread chunk has been seen, so those entries
 * (after the cursor, deduplicated by id) can be answered in order. A page stops
 * when it has `limit` such entries or its scan budget is spent, and answers a
 * cursor that is either its last entry or that start: the next page begins
 * strictly after it and reads again whichever source holds the entries then.
 *
 * Moves from KV to R2 during a page: KV is listed first, and the archive writes
 * an object (and its index) before deleting the batches in it. A batch that is
 * gone when read has therefore reached R2 already; the partitions already
 * listed are listed again, so its entries are found there.
 */
import { levelRank, type StoredLogEntry } from "@log-service/client/schema";
import { encodeCursor, type Order, type Position, resolveQuery, type SearchQuery } from "./query";
import { type Chunk, type Collector, Sources } from "./sources";

/** What one page may read before it answers with what it has. */
export interface ScanBudget {
  /** KV and R2 calls (KV listing of waiting batches included). */
  operations: number;
  /** Bytes read from KV values and R2 objects, ranges and indexes. */
  bytes: number;
}

export const DEFAULT_SCAN_BUDGET: ScanBudget = { operations: 200, bytes: 16 * 1024 * 1024 };

/** Bytes of entries one answer carries at most (1,000 entries of 64 KiB would be 64 MiB). */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** What the page read: `scanned` in the answer. */
export interface Scanned {
  /** KV batches read, and those skipped by their list metadata. */
  kvBatches: number;
  kvBatchesSkipped: number;
  /** Archive objects read (whole or in part), and those skipped whole by their summary or index. */
  r2Objects: number;
  r2ObjectsSkipped: number;
  /** Blocks read by byte range, and blocks of read objects skipped by their index. */
  r2Blocks: number;
  r2BlocksSkipped: number;
  /** Index objects read. */
  indexes: number;
  /** Bytes read from KV and R2. */
  bytes: number;
  /** Entries (lines) examined. */
  entries: number;
  /** Objects or block ranges skipped because they are not archive data this service can read. */
  corrupt: number;
  /** The first few of them. */
  corruptKeys: string[];
  /** Indexes that did not validate (their object was read whole instead). */
  badIndexes: number;
  /** KV and R2 calls made. */
  operations: number;
}

export interface SearchPage {
  logs: StoredLogEntry[];
  /** Go on from here; null once every matching entry in the range was answered. */
  cursor: string | null;
  scanned: Scanned;
}

export interface SearchOptions {
  now?: number;
  budget?: Partial<ScanBudget>;
}

/** The bindings a search reads. */
export type SearchEnv = Pick<Env, "log_state" | "log_archive">;

interface Found {
  /** Sort key: the timestamp, negated when newest come first. */
  k: number;
  t: number;
  id: string;
  entry: StoredLogEntry;
}

const encoder = new TextEncoder();

/**
 * One page of `GET /debug/logs`.
 * @example const page = await searchLogs(env, searchQuerySchema.parse({ requestId: "abc", since: "0" }));
 */
export async function searchLogs(
  env: SearchEnv,
  query: SearchQuery,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const state = resolveQuery(query, options.now ?? Date.now());
  const budget = { ...DEFAULT_SCAN_BUDGET, ...options.budget };
  const walk = new Walk(state.order, state.after, state.since, state.until);
  const scanned: Scanned = {
    kvBatches: 0,
    kvBatchesSkipped: 0,
    r2Objects: 0,
    r2ObjectsSkipped: 0,
    r2Blocks: 0,
    r2BlocksSkipped: 0,
    indexes: 0,
    bytes: 0,
    entries: 0,
    corrupt: 0,
    corruptKeys: [],
    badIndexes: 0,
    operations: 0,
  };
  const minRank = query.level ? levelRank(query.level) : 0;
  const needle = query.q?.toLowerCase() ?? null;
  const results = new Results(walk, query.limit);
  const matches = (entry: StoredLogEntry, t: number): boolean =>
    walk.includes(t, entry.id) &&
    levelRank(entry.level) >= minRank &&
    (query.service === undefined || entry.service === query.service) &&
    (query.requestId === undefined || entry.requestId === query.requestId) &&
    (needle === null || entry.message.toLowerCase().includes(needle));
  const collector: Collector = {
    unit() {
      const staged = new Results(walk, query.limit);
      return {
        exact: query.requestId !== undefined ? JSON.stringify(query.requestId) : null,
        // Only plain ASCII can be looked for in the raw line: JSON escapes quotes, backslashes, controls.
        folded: needle !== null && /^[\x20-\x7e]+$/.test(needle) && !/["\\]/.test(needle) ? needle : null,
        accept(entry, t) {
          if (matches(entry, t)) staged.add({ k: walk.key(t), t, id: entry.id, entry });
        },
        commit: () => results.merge(staged),
        discard: () => {},
      };
    },
  };
  const sources = new Sources(
    env.log_state,
    env.log_archive,
    walk,
    scanned,
    { minRank, service: query.service, requestId: query.requestId },
    collector,
  );

  const unread = new ChunkQueue();
  for (const chunk of await sources.initialChunks()) unread.push(chunk);
  const spent = () => scanned.operations >= budget.operations || scanned.bytes >= budget.bytes;

  for (;;) {
    const boundary = unread.nextStart();
    const ready = results.countBefore(boundary);
    if (ready >= query.limit) break;
    const next = unread.pop();
    if (!next) break;
    // The page may stop (with fewer than `limit` entries) only once it has moved past its cursor:
    // when the scan budget is spent, or when it is at least half full and the next block would
    // overfill it, so the next page starts at that block instead of reading it twice.
    const overfills = next.kind === "block" && ready >= query.limit / 2 && ready + next.entries > query.limit;
    if ((spent() || overfills) && boundary > walk.cursorKey) {
      unread.push(next);
      break;
    }
    for (const chunk of await sources.read(next, unread, Math.max(1, query.limit - ready)))
      unread.push(chunk);
  }

  const found = results.sorted();
  const boundary = unread.nextStart();
  const logs: StoredLogEntry[] = [];
  let bytes = 0;
  let last: Found | null = null;
  let full = false;
  for (const item of found) {
    if (item.k >= boundary) break;
    if (logs.length === query.limit || bytes >= MAX_RESPONSE_BYTES) {
      full = true;
      break;
    }
    logs.push(item.entry);
    bytes += encoder.encode(JSON.stringify(item.entry)).byteLength;
    last = item;
  }
  let cursor: string | null = null;
  const next = (after: Position) =>
    encodeCursor({ order: state.order, since: state.since, until: state.until, after });
  if (full && last) cursor = next({ t: last.t, id: last.id });
  else if (boundary !== Number.POSITIVE_INFINITY) cursor = next({ t: walk.instant(boundary), id: null });
  return { logs, cursor, scanned };
}

/** The walk's direction, range and start: which entries and chunks a page still wants. */
export class Walk {
  readonly cursorKey: number;
  constructor(
    readonly order: Order,
    readonly after: Position,
    readonly since: number,
    readonly until: number,
  ) {
    this.cursorKey = this.key(after.t);
  }

  /** Sort key of an instant: increasing along the walk. */
  key(t: number): number {
    return this.order === "desc" ? -t : t;
  }

  instant(key: number): number {
    return this.order === "desc" ? -key : key;
  }

  /** Is an entry at `t` with `id` in the range and strictly after the cursor? */
  includes(t: number, id: string): boolean {
    if (t < this.since || t > this.until) return false;
    const k = this.key(t);
    if (k !== this.cursorKey) return k > this.cursorKey;
    if (this.after.id === null) return true;
    return this.order === "desc" ? id < this.after.id : id > this.after.id;
  }

  /** Sort keys a time range [t0, t1] covers inside the range, or null when it holds nothing wanted. */
  span(t0: number, t1: number): { start: number; end: number } | null {
    const lo = Math.max(t0, this.since);
    const hi = Math.min(t1, this.until);
    if (lo > hi) return null;
    const start = Math.min(this.key(lo), this.key(hi));
    const end = Math.max(this.key(lo), this.key(hi));
    if (end < this.cursorKey) return null;
    return { start, end };
  }

  compareIds(a: string, b: string): number {
    if (a === b) return 0;
    return a < b === (this.order === "asc") ? -1 : 1;
  }
}

/**
 * Entries found so far, in walk order without repeated ids. Only the first
 * `limit` can ever be answered by this page, so the rest is dropped as it goes,
 * all but one: it says whether more follow.
 */
class Results {
  #items: Found[] = [];
  #sorted = true;

  constructor(
    private readonly walk: Walk,
    private readonly limit: number,
  ) {}

  add(item: Found): void {
    this.#items.push(item);
    this.#sorted = false;
    if (this.#items.length > 4 * this.limit + 1000) this.#compact(this.limit + 1);
  }

  merge(other: Results): void {
    for (const item of other.sorted()) this.add(item);
  }

  #compact(keep: number): void {
    const walk = this.walk;
    if (!this.#sorted) this.#items.sort((a, b) => a.k - b.k || walk.compareIds(a.id, b.id));
    this.#sorted = true;
    const seen = new Set<string>();
    const out: Found[] = [];
    for (const item of this.#items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      out.push(item);
      if (out.length === keep) break;
    }
    this.#items = out;
  }

  /** How many of the first `limit` entries come before `boundary` (enough to answer?). */
  countBefore(boundary: number): number {
    this.#compact(this.limit + 1);
    let n = 0;
    for (const item of this.#items) if (item.k < boundary) n++;
    return n;
  }

  sorted(): Found[] {
    this.#compact(Number.POSITIVE_INFINITY);
    return this.#items;
  }
}

/** Unread chunks, the one whose range starts first along the walk on top. */
export class ChunkQueue {
  // Sorted by start, descending: the next chunk is the last element.
  readonly #items: Chunk[] = [];

  push(chunk: Chunk): void {
    const items = this.#items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((items[mid] as Chunk).start > chunk.start) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, chunk);
  }

  pop(): Chunk | undefined {
    return this.#items.pop();
  }

  peek(): Chunk | undefined {
    return this.#items.at(-1);
  }

  /** Where the next unread chunk starts (+∞ when none is left). */
  nextStart(): number {
    return this.#items.at(-1)?.start ?? Number.POSITIVE_INFINITY;
  }
}
