/**
 * What an archive object's index says, so a search can skip what cannot match.
 *
 * Every object the archive writes is one gzip member whose deflate stream is cut
 * into blocks by full flushes (object.ts): a block's bytes, followed by an empty
 * final deflate block, decompress alone. Two places describe an object:
 *
 *  - its R2 `customMetadata` (listed for free with the object): time range,
 *    level counts and, when they fit, services. Enough to skip whole objects.
 *  - an index object `_index/dt=YYYY-MM-DD/<name>.json` (outside `logs/`, so
 *    DuckDB globs over `logs/` see entries only): the same summary plus, per
 *    block, its byte offset and length, time range, level counts, services and
 *    a Bloom filter of its request ids. R2 caps customMetadata at 2 KiB, which
 *    per-block filters do not fit; a sidecar keeps the object plain gzip NDJSON.
 *    It holds two JSON lines: the block table, then the Bloom filters (most of
 *    its bytes). customMetadata `indexHead` gives the first line's length, so a
 *    search without a request id reads only that much (a ranged get).
 *
 * Both are data read back from storage: readers validate them and fall back to
 * reading the object whole when they do not.
 */
import { LOG_LEVELS } from "@log-service/client/schema";
import { z } from "zod";

/** Version of the block layout and index format; written into both places. */
export const INDEX_VERSION = "1";

/** Most services listed per block or object; more and the list is left out ("unknown"). */
export const MAX_SERVICES = 32;

/** Bytes the services list may take in customMetadata (R2 allows 2,048 for all fields). */
const METADATA_SERVICES_MAX_BYTES = 1_000;

// --- Bloom filter of request ids -------------------------------------------------

const BLOOM_HASHES = 7;
// ~1% false positives at 7 hashes.
const BLOOM_BITS_PER_ID = 10;
const encoder = new TextEncoder();

/** murmur3's finalizer: spreads every input bit over the output. */
function fmix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-8 bytes, mixed, and a second hash derived from it (double hashing). */
function bloomHashes(id: string): [number, number] {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(id)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return [fmix32(h), (fmix32(h ^ 0x9e3779b9) | 1) >>> 0];
}

export interface Bloom {
  /** Number of bits. */
  m: number;
  /** Number of hashes. */
  k: number;
  /** The bits, base64. */
  bits: string;
}

function bitIndexes(id: string, m: number, k: number): number[] {
  const [h1, h2] = bloomHashes(id);
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(((h1 + Math.imul(i, h2)) >>> 0) % m);
  return out;
}

export function buildBloom(ids: ReadonlySet<string>): Bloom | null {
  if (ids.size === 0) return null;
  const m = Math.max(64, Math.ceil((ids.size * BLOOM_BITS_PER_ID) / 8) * 8);
  const bytes = new Uint8Array(m / 8);
  for (const id of ids) {
    for (const bit of bitIndexes(id, m, BLOOM_HASHES))
      bytes[bit >>> 3] = (bytes[bit >>> 3] ?? 0) | (1 << (bit & 7));
  }
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return { m, k: BLOOM_HASHES, bits: btoa(binary) };
}

/** May `id` be in the set the filter was built from? (false: certainly not) */
/** A filter that was not read: every bit set, it may hold any id. */
export const UNKNOWN_FILTER: Bloom = { m: 8, k: 1, bits: "/w==" };

export function bloomMayContain(bloom: Bloom | null, id: string): boolean {
  if (bloom === null) return false;
  const binary = atob(bloom.bits);
  return bitIndexes(id, bloom.m, bloom.k).every(
    (bit) => (binary.charCodeAt(bit >>> 3) & (1 << (bit & 7))) !== 0,
  );
}

// --- Summaries ---------------------------------------------------------------------

/** Counts by level, in LOG_LEVELS order. */
export type LevelCounts = [number, number, number, number, number];

/** Time range, levels and services of some entries (a block or an object). */
export interface Summary {
  entries: number;
  /** Earliest and latest timestamp, epoch ms. */
  t0: number;
  t1: number;
  levels: LevelCounts;
  /** Distinct services, or null when there were more than MAX_SERVICES. */
  services: string[] | null;
}

export interface BlockIndex extends Summary {
  /** Byte offset of the block in the object, and its length. */
  offset: number;
  length: number;
  /** Request ids of the block's entries; null when none has one. */
  requestIds: Bloom | null;
}

export interface ObjectIndex extends Summary {
  v: 1;
  /** The object this index describes, and its size in bytes. */
  object: string;
  size: number;
  blocks: BlockIndex[];
}

const epochMs = z.number().int().min(-1e15).max(1e15);
const summaryShape = {
  entries: z.number().int().nonnegative(),
  t0: epochMs,
  t1: epochMs,
  levels: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]),
  services: z.array(z.string()).max(MAX_SERVICES).nullable(),
};
const bloomSchema = z.object({
  m: z
    .number()
    .int()
    .min(8)
    .max(2 ** 31)
    .multipleOf(8),
  k: z.number().int().min(1).max(32),
  bits: z.base64(),
});
const objectIndexSchema = z.object({
  v: z.literal(1),
  object: z.string(),
  size: z.number().int().nonnegative(),
  ...summaryShape,
  blocks: z.array(
    z.object({
      ...summaryShape,
      offset: z.number().int().nonnegative(),
      length: z.number().int().positive(),
      requestIds: bloomSchema.nullable(),
    }),
  ),
});

/** The index object's text, and the bytes of its first line (the block table without filters). */
export function serializeIndex(index: ObjectIndex): { text: string; headBytes: number } {
  const head = `${JSON.stringify({ ...index, blocks: index.blocks.map(({ requestIds: _, ...block }) => block) })}\n`;
  const filters = `${JSON.stringify(index.blocks.map((block) => block.requestIds))}\n`;
  return { text: head + filters, headBytes: encoder.encode(head).byteLength };
}

const filtersSchema = z.array(bloomSchema.nullable());

/**
 * Parses an index read back from R2: both lines, or only the first (then every
 * block's `requestIds` is unknown, read as "may hold any id"). Null unless it
 * describes exactly `object` of `size` bytes with blocks inside it in order,
 * each Bloom filter as long as it says.
 */
export function parseObjectIndex(text: string, object: string, size: number): ObjectIndex | null {
  let parsed: z.ZodSafeParseResult<z.infer<typeof objectIndexSchema>>;
  const newline = text.indexOf("\n");
  const head = newline === -1 ? text : text.slice(0, newline);
  const rest = newline === -1 ? "" : text.slice(newline + 1).trim();
  try {
    const table = JSON.parse(head) as { blocks?: unknown };
    let filters: unknown[] | null = null;
    if (rest !== "") {
      const f = filtersSchema.safeParse(JSON.parse(rest));
      if (!f.success || !Array.isArray(table.blocks) || f.data.length !== table.blocks.length) return null;
      filters = f.data;
    }
    const blocks = Array.isArray(table.blocks)
      ? table.blocks.map((b, i) => ({ ...(b as object), requestIds: filters ? filters[i] : UNKNOWN_FILTER }))
      : table.blocks;
    parsed = objectIndexSchema.safeParse({ ...table, blocks });
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const index = parsed.data as ObjectIndex;
  if (index.object !== object || index.size !== size) return null;
  let end = 0;
  for (const block of index.blocks) {
    if (block.offset < end || block.offset + block.length > size) return null;
    end = block.offset + block.length;
    if (block.requestIds && atob(block.requestIds.bits).length !== block.requestIds.m / 8) return null;
  }
  return index;
}

/** The customMetadata fields that summarise an object (added to entries/batches/segment). */
export function summaryMetadata(summary: Summary, indexHeadBytes: number): Record<string, string> {
  const out: Record<string, string> = {
    index: INDEX_VERSION,
    indexHead: String(indexHeadBytes),
    t0: String(summary.t0),
    t1: String(summary.t1),
    levels: summary.levels.join(","),
  };
  if (summary.services) {
    const services = JSON.stringify(summary.services);
    if (encoder.encode(services).byteLength <= METADATA_SERVICES_MAX_BYTES) out.services = services;
  }
  return out;
}

/** What customMetadata says about an object, or null when it has no (valid) summary: read it whole. */
export function parseSummaryMetadata(
  meta: Record<string, string> | undefined,
): (Omit<Summary, "entries"> & { indexHead: number | null }) | null {
  if (meta?.index !== INDEX_VERSION) return null;
  const t0 = Number(meta.t0);
  const t1 = Number(meta.t1);
  const levels = (meta.levels ?? "").split(",").map(Number);
  if (!Number.isInteger(t0) || !Number.isInteger(t1) || t0 > t1) return null;
  if (levels.length !== LOG_LEVELS.length || levels.some((n) => !Number.isInteger(n) || n < 0)) return null;
  let services: string[] | null = null;
  if (meta.services !== undefined) {
    try {
      const parsed = z.array(z.string()).safeParse(JSON.parse(meta.services));
      if (parsed.success) services = parsed.data;
    } catch {
      services = null;
    }
  }
  const head = Number(meta.indexHead);
  const indexHead = Number.isInteger(head) && head > 0 ? head : null;
  return { indexHead, t0, t1, levels: levels as LevelCounts, services };
}

/** Can a summary hold an entry of at least level `minRank` from `service`? */
export function summaryMayMatch(
  summary: Pick<Summary, "levels" | "services">,
  minRank: number,
  service: string | undefined,
): boolean {
  if (!summary.levels.some((count, rank) => rank >= minRank && count > 0)) return false;
  if (service !== undefined && summary.services !== null && !summary.services.includes(service)) return false;
  return true;
}

/** Accumulates a Summary, entry by entry. */
export class SummaryBuilder {
  entries = 0;
  t0 = Number.POSITIVE_INFINITY;
  t1 = Number.NEGATIVE_INFINITY;
  readonly levels: LevelCounts = [0, 0, 0, 0, 0];
  #services: Set<string> | null = new Set();

  add(t: number, levelRank: number, service: string | undefined): void {
    this.entries++;
    if (t < this.t0) this.t0 = t;
    if (t > this.t1) this.t1 = t;
    this.levels[levelRank] = (this.levels[levelRank] ?? 0) + 1;
    if (service !== undefined && this.#services !== null && !this.#services.has(service)) {
      this.#services.add(service);
      if (this.#services.size > MAX_SERVICES) this.#services = null;
    }
  }

  summary(): Summary {
    return {
      entries: this.entries,
      t0: this.entries ? this.t0 : 0,
      t1: this.entries ? this.t1 : 0,
      levels: [...this.levels],
      services: this.#services ? [...this.#services].sort() : null,
    };
  }
}
