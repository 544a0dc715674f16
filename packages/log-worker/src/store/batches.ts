/**
 * How batches live in Workers KV.
 *
 * Every accepted `POST /log` is one KV value under `log:{13-digit epoch ms}:{random}`.
 * The key space is the index: keys sort by arrival time and `list({ prefix })`
 * walks them, so no shared index key is ever rewritten (KV allows ~1 write per
 * second to a key and the last writer wins, which loses index entries).
 * The list metadata of each key summarises its batch so readers can skip it
 * without reading the value.
 */
import { LOG_LEVELS, type LogLevel, MAX_TIMESTAMP_MS, type StoredLogEntry } from "@log-service/client/schema";

const encoder = new TextEncoder();

export const LOG_KEY_PREFIX = "log:";

/** The first design's single index key; ingest ignores it, the archive job deletes it. */
export const LEGACY_INDEX_KEY = "log_keys:index";

/** Bulk `get` on the KV binding takes at most 100 keys. */
export const KV_BULK_GET_MAX = 100;

/** Most value bytes one bulk get may load (by list metadata), so memory stays bounded. */
export const BULK_GET_MAX_BYTES = 4 * 1024 * 1024;

/** Size assumed for a value of unknown size: the 1 MiB body limit plus the fields ingest adds. */
export const UNKNOWN_VALUE_BYTES = 1_200_000;

/**
 * Splits `items`, in order, into the fewest runs of at most `maxCount` items and
 * `maxBytes` (by `bytesOf`); a single larger item gets a run of its own.
 */
export function chunkBySize<T>(
  items: readonly T[],
  maxCount: number,
  maxBytes: number,
  bytesOf: (item: T) => number,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (chunk.length > 0 && (chunk.length === maxCount || bytes + size > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Splits keys into bulk gets of at most 100 keys and `maxBytes` of values. */
export function bulkGetChunks<T extends { bytes: number }>(
  items: readonly T[],
  maxBytes = BULK_GET_MAX_BYTES,
): T[][] {
  return chunkBySize(items, KV_BULK_GET_MAX, maxBytes, (item) => item.bytes);
}

const KEY_PATTERN = /^log:(\d{13}):([a-z2-7]{16})$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** 16 base32 characters: 80 random bits, so two batches in the same millisecond never collide. */
function randomSuffix(): string {
  return base32(crypto.getRandomValues(new Uint8Array(16)), 16);
}

function base32(bytes: Uint8Array, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += BASE32[(bytes[i] ?? 0) & 31];
  return out;
}

/** A new, unique batch key for a batch received at `receivedAtMs`. */
export function newLogKey(receivedAtMs: number): string {
  return `${LOG_KEY_PREFIX}${String(receivedAtMs).padStart(13, "0")}:${randomSuffix()}`;
}

/** What `Idempotency-Key` accepts (DESIGN: 8–128 characters of [A-Za-z0-9_.:-]). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,128}$/;

/** How far back a time at the start of an idempotency key is trusted (a late retry). */
const EMBEDDED_TIME_MAX_AGE_MS = 7 * 24 * 3600_000;
/** How far ahead (clock skew between workers). */
const EMBEDDED_TIME_MAX_SKEW_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;

/**
 * The batch key of an idempotent batch: a function of the idempotency key
 * alone, so a retry writes the same KV key (KV keeps one copy, the answer names
 * the same key) without any read first.
 *
 * The suffix is a hash of the key and its `scope` (the producer's identity, so
 * two producers' keys never collide). The time part must not depend on when the
 * retry arrived: a key that starts with 13 digits of epoch ms (what the client
 * sends: the time of its first attempt) keeps that time, when plausible; any
 * other key takes the start of the current UTC day, so a retry is stored once
 * unless it crosses midnight UTC (then its entries carry the same ids, so the
 * copy is detectable).
 */
export async function idempotentLogKey(
  idempotencyKey: string,
  scope: string,
  nowMs: number,
): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(`${scope}\n${idempotencyKey}`)),
  );
  const embedded = /^\d{13}/.test(idempotencyKey) ? Number(idempotencyKey.slice(0, 13)) : Number.NaN;
  const plausible =
    embedded >= nowMs - EMBEDDED_TIME_MAX_AGE_MS && embedded <= nowMs + EMBEDDED_TIME_MAX_SKEW_MS;
  const ms = plausible ? embedded : nowMs - (nowMs % DAY_MS);
  return `${LOG_KEY_PREFIX}${String(ms).padStart(13, "0")}:${base32(digest, 16)}`;
}

/** The receive time and suffix encoded in a batch key, or null for any other key. */
export function parseLogKey(key: string): { receivedAtMs: number; suffix: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { receivedAtMs: Number(match[1]), suffix: match[2] as string } : null;
}

/**
 * Summary of a batch kept in KV list metadata (≤ 1,024 bytes), so listing alone
 * tells whether a batch can match a filter and how many entries it holds.
 */
export interface BatchMetadata {
  /** Format version of the metadata. */
  v: 1;
  /** Number of entries. */
  n: number;
  /** Bytes of the stored JSON value, so readers can bound what one bulk get loads. */
  b: number;
  /** Rank of the most severe level in the batch (see LOG_LEVELS). */
  hi: number;
  /** Earliest and latest entry timestamp, epoch ms. */
  t0: number;
  t1: number;
  /** Distinct services, when they fit; absent means "unknown, read the value". */
  svc?: string[];
}

/** KV's limit on the serialized metadata of one key, in bytes. */
export const KV_METADATA_MAX_BYTES = 1024;

/** What ingest learned about a batch while validating it. */
export interface BatchSummary {
  n: number;
  hi: number;
  t0: number;
  t1: number;
  /** Distinct services; "" stands for entries without one, so a service filter can still skip. */
  services: ReadonlySet<string>;
}

export function batchMetadata(summary: BatchSummary, bytes: number): BatchMetadata {
  const meta: BatchMetadata = {
    v: 1,
    n: summary.n,
    b: bytes,
    hi: summary.hi,
    t0: summary.t0,
    t1: summary.t1,
  };
  // Bytes, not characters: a few long or non-ASCII service names can pass the
  // limit, and KV refuses the whole put. Without `svc` readers just read the value.
  const withServices = { ...meta, svc: [...summary.services] };
  return utf8Length(JSON.stringify(withServices)) <= KV_METADATA_MAX_BYTES ? withServices : meta;
}

function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

/** Reads a metadata object from a list result, tolerating keys written by other versions. */
export function asBatchMetadata(value: unknown): BatchMetadata | null {
  if (typeof value !== "object" || value === null) return null;
  const m = value as Partial<BatchMetadata>;
  if (m.v !== 1 || typeof m.n !== "number" || typeof m.b !== "number" || typeof m.hi !== "number")
    return null;
  if (typeof m.t0 !== "number" || typeof m.t1 !== "number") return null;
  return m as BatchMetadata;
}

/**
 * The stored value (format 2): the entries exactly as the producer sent them
 * (`e`: one object or an array), the receive time (`r`) and the fields the
 * server sets on every entry (`f`). Ids, `receivedAt` and ISO timestamps are
 * derived on read (`parseBatch`), so ingest never rebuilds or re-serialises
 * what it validated. Built by concatenation: `entriesJson` is already JSON.
 */
export function batchValue(
  entriesJson: string,
  receivedAtMs: number,
  fields?: Record<string, unknown>,
): string {
  return `${valueHead(receivedAtMs, fields)}${entriesJson}}`;
}

/** What comes before the entries in a stored value. */
function valueHead(receivedAtMs: number, fields: Record<string, unknown> | undefined): string {
  const f = fields && Object.keys(fields).length > 0 ? `,"f":${JSON.stringify(fields)}` : "";
  return `{"v":2,"r":${receivedAtMs}${f},"e":`;
}

/**
 * Stores one validated batch as one KV value with its list metadata. Resolves
 * once KV accepted the write. `entriesUtf8`, when the caller has it, is
 * `entriesJson` as UTF-8 (the request body): the value is then written as bytes
 * around it, so a large batch is not encoded again.
 */
export async function putBatch(
  kv: KVNamespace,
  key: string,
  batch: {
    entriesJson: string;
    entriesUtf8?: Uint8Array;
    summary: BatchSummary;
    receivedAtMs: number;
    fields?: Record<string, unknown>;
  },
): Promise<void> {
  const head = valueHead(batch.receivedAtMs, batch.fields);
  let value: string | Uint8Array;
  if (batch.entriesUtf8 === undefined) {
    value = `${head}${batch.entriesJson}}`;
  } else {
    const headUtf8 = encoder.encode(head);
    value = new Uint8Array(headUtf8.byteLength + batch.entriesUtf8.byteLength + 1);
    value.set(headUtf8);
    value.set(batch.entriesUtf8, headUtf8.byteLength);
    value[value.byteLength - 1] = 0x7d; // "}"
  }
  const bytes = typeof value === "string" ? utf8Length(value) : value.byteLength;
  await kv.put(key, value, { metadata: batchMetadata(batch.summary, bytes) });
}

function isoOr(value: unknown, fallback: string): string {
  const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMESTAMP_MS ? new Date(ms).toISOString() : fallback;
}

/** One stored entry, normalised: whatever was stored, readers get a well-formed entry. */
function toStoredEntry(
  item: unknown,
  id: string,
  receivedAt: string,
  fields: Record<string, unknown> | undefined,
  keepId: boolean,
): StoredLogEntry {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return { id, level: "info", message: JSON.stringify(item) ?? "", timestamp: receivedAt, receivedAt };
  }
  const entry = item as Record<string, unknown>;
  return {
    ...entry,
    ...fields,
    // The server's fields win over any a producer sent under the same names.
    id: keepId && typeof entry.id === "string" ? entry.id : id,
    level: LOG_LEVELS.includes(entry.level as LogLevel) ? (entry.level as LogLevel) : "info",
    message: typeof entry.message === "string" ? entry.message : JSON.stringify(entry.message ?? ""),
    timestamp: isoOr(entry.timestamp, receivedAt),
    receivedAt: keepId && typeof entry.receivedAt === "string" ? entry.receivedAt : receivedAt,
  };
}

/**
 * The entries of a stored value, whatever wrote it: format 2 (see `batchValue`),
 * format 1 (an array of complete entries, written before format 2), or anything
 * else under `log:` (an older single entry, a hand-written value, bytes that are
 * not JSON), which is turned into entries rather than dropped or left to block
 * the archive forever. Ids are `<key time>-<key suffix>-<index>`, so the same
 * stored batch always reads back with the same ids.
 */
export function parseBatch(key: string, text: string): StoredLogEntry[] {
  const parsedKey = parseLogKey(key);
  const keyMs = parsedKey?.receivedAtMs ?? 0;
  const idPrefix = parsedKey ? `${keyMs}-${parsedKey.suffix}` : key;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const receivedAt = new Date(keyMs).toISOString();
    return [
      {
        id: `${idPrefix}-raw`,
        level: "warn",
        message: "stored value was not JSON; archived as raw text",
        timestamp: receivedAt,
        receivedAt,
        kvKey: key,
        raw: text,
      },
    ];
  }
  const v2 = value as { v?: unknown; r?: unknown; f?: unknown; e?: unknown } | null;
  if (v2 && v2.v === 2 && typeof v2.r === "number" && "e" in v2) {
    const receivedAt = isoOr(v2.r, new Date(keyMs).toISOString());
    const fields =
      typeof v2.f === "object" && v2.f !== null && !Array.isArray(v2.f)
        ? (v2.f as Record<string, unknown>)
        : undefined;
    const items = Array.isArray(v2.e) ? v2.e : [v2.e];
    return items.map((item, i) => toStoredEntry(item, `${idPrefix}-${i}`, receivedAt, fields, false));
  }
  const receivedAt = new Date(keyMs).toISOString();
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => toStoredEntry(item, `${idPrefix}-${i}`, receivedAt, undefined, true));
}

/**
 * Reads batches with bulk gets of up to 100 keys. Values are read as text and
 * parsed one by one: a bulk get as "json" fails whole if any value is not JSON.
 * A key deleted meanwhile (archived by a concurrent run) maps to null.
 */
export async function getBatches(
  kv: KVNamespace,
  keys: readonly string[],
): Promise<Map<string, StoredLogEntry[] | null>> {
  const out = new Map<string, StoredLogEntry[] | null>();
  for (let i = 0; i < keys.length; i += KV_BULK_GET_MAX) {
    const chunk = keys.slice(i, i + KV_BULK_GET_MAX);
    const values = await kv.get(chunk, "text");
    for (const key of chunk) {
      const text = values.get(key);
      out.set(key, text == null ? null : parseBatch(key, text));
    }
  }
  return out;
}
