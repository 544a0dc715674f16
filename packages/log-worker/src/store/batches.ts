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
import { LOG_LEVELS, type LogLevel, levelRank, type StoredLogEntry } from "@log-service/client/schema";

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
 * Splits keys into bulk gets of at most 100 keys and `maxBytes` of values
 * (a single larger value gets a call of its own).
 */
export function bulkGetChunks<T extends { bytes: number }>(
  items: readonly T[],
  maxBytes = BULK_GET_MAX_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (chunk.length > 0 && (chunk.length === KV_BULK_GET_MAX || bytes + item.bytes > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += item.bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

const KEY_PATTERN = /^log:(\d{13}):([a-z2-7]{16})$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** 16 base32 characters: 80 random bits, so two batches in the same millisecond never collide. */
function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

/** A new, unique batch key for a batch received at `receivedAtMs`. */
export function newLogKey(receivedAtMs: number): string {
  return `${LOG_KEY_PREFIX}${String(receivedAtMs).padStart(13, "0")}:${randomSuffix()}`;
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
  /** Format version of the value. */
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

const encoder = new TextEncoder();

/** KV's limit on the serialized metadata of one key, in bytes. */
export const KV_METADATA_MAX_BYTES = 1024;

export function batchMetadata(entries: readonly StoredLogEntry[], bytes: number): BatchMetadata {
  let hi = 0;
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  const services = new Set<string>();
  let unnamed = false;
  for (const entry of entries) {
    hi = Math.max(hi, levelRank(entry.level));
    const t = Date.parse(entry.timestamp);
    t0 = Math.min(t0, t);
    t1 = Math.max(t1, t);
    if (typeof entry.service === "string") services.add(entry.service);
    else unnamed = true;
  }
  const meta: BatchMetadata = { v: 1, n: entries.length, b: bytes, hi, t0, t1 };
  const svc = [...services];
  // "" stands for entries without a service, so a service filter can still skip.
  if (unnamed) svc.push("");
  // Bytes, not characters: a few long or non-ASCII service names can pass the
  // limit, and KV refuses the whole put. Without `svc` readers just read the value.
  const withServices = { ...meta, svc };
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

/** Stores one batch as one KV value. Resolves once KV accepted the write. */
export async function putBatch(
  kv: KVNamespace,
  key: string,
  entries: readonly StoredLogEntry[],
): Promise<void> {
  const value = JSON.stringify(entries);
  await kv.put(key, value, { metadata: batchMetadata(entries, encoder.encode(value).byteLength) });
}

/**
 * The entries of a stored value, whatever wrote it. Values this version writes
 * are arrays of complete entries; anything else under `log:` (an older single
 * entry, a hand-written value, bytes that are not JSON) is turned into entries
 * rather than dropped or left to block the archive forever.
 */
export function parseBatch(key: string, text: string): StoredLogEntry[] {
  const parsedKey = parseLogKey(key);
  const receivedAtMs = parsedKey?.receivedAtMs ?? 0;
  const receivedAt = new Date(receivedAtMs).toISOString();
  const idPrefix = parsedKey ? `${receivedAtMs}-${parsedKey.suffix}` : key;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
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
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i): StoredLogEntry => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      return {
        id: `${idPrefix}-${i}`,
        level: "info",
        message: JSON.stringify(item),
        timestamp: receivedAt,
        receivedAt,
      };
    }
    const entry = item as Record<string, unknown>;
    const ts =
      typeof entry.timestamp === "string" || typeof entry.timestamp === "number" ? entry.timestamp : NaN;
    const tsMs = typeof ts === "number" ? ts : Date.parse(ts);
    return {
      ...entry,
      id: typeof entry.id === "string" ? entry.id : `${idPrefix}-${i}`,
      level: LOG_LEVELS.includes(entry.level as LogLevel) ? (entry.level as LogLevel) : "info",
      message: typeof entry.message === "string" ? entry.message : JSON.stringify(entry.message ?? ""),
      timestamp: Number.isFinite(tsMs) ? new Date(tsMs).toISOString() : receivedAt,
      receivedAt: typeof entry.receivedAt === "string" ? entry.receivedAt : receivedAt,
    };
  });
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
