/**
 * Shaping entries into requests log-worker accepts: each entry under the
 * per-entry limit, each request under the entry-count and body-size limits.
 * log-worker refuses a request whole when any limit is passed, so one oversized
 * entry would otherwise cost every entry sent with it.
 */
import { INGEST_LIMITS } from "./schema";

const encoder = new TextEncoder();

/** UTF-8 length of a string. */
export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/** A JSON-safe entry and its serialized form, measured once. */
export interface SerializedEntry {
  entry: Record<string, unknown>;
  json: string;
  bytes: number;
}

// Longest strings kept, tried in turn until the entry fits.
const STRING_BUDGETS = [8192, 1024, 128] as const;
// Longest arrays kept at the same steps.
const ARRAY_BUDGETS = [1000, 100, 10] as const;
// Fields of the last-resort entry that replaces one that still does not fit.
const KEPT_FIELDS = ["level", "service", "requestId", "timestamp"] as const;

/**
 * Serializes a JSON-safe entry, shrinking it to at most `maxBytes` when it is
 * larger: long strings and arrays are cut (and say so), and as a last resort
 * only level, message, service, requestId and timestamp are kept. A shrunk
 * entry carries `truncated: true` and `originalBytes`, so its reader knows.
 */
export function serializeEntry(
  entry: Record<string, unknown>,
  maxBytes: number = INGEST_LIMITS.maxEntryBytes,
): SerializedEntry {
  const json = JSON.stringify(entry);
  const bytes = byteLength(json);
  if (bytes <= maxBytes) return { entry, json, bytes };

  for (const [i, maxChars] of STRING_BUDGETS.entries()) {
    const maxItems = ARRAY_BUDGETS[i] ?? 10;
    const shrunk = {
      ...(shrink(entry, maxChars, maxItems) as Record<string, unknown>),
      truncated: true,
      originalBytes: bytes,
    };
    const candidate = measure(shrunk);
    if (candidate.bytes <= maxBytes) return candidate;
  }

  const minimal: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) {
    const value = entry[field];
    if (typeof value === "string" || typeof value === "number") minimal[field] = value;
  }
  minimal.message = cut(typeof entry.message === "string" ? entry.message : "(no message)", 1024);
  minimal.truncated = true;
  minimal.originalBytes = bytes;
  return measure(minimal);
}

function measure(entry: Record<string, unknown>): SerializedEntry {
  const json = JSON.stringify(entry);
  return { entry, json, bytes: byteLength(json) };
}

function cut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}…[truncated ${text.length - maxChars} chars]`;
}

/** A copy with strings cut to `maxChars` and arrays to `maxItems`; input is JSON-safe (no cycles). */
function shrink(value: unknown, maxChars: number, maxItems: number): unknown {
  if (typeof value === "string") return cut(value, maxChars);
  if (Array.isArray(value)) {
    const kept = value.slice(0, maxItems).map((item) => shrink(item, maxChars, maxItems));
    if (value.length > maxItems) kept.push(`…[${value.length - maxItems} more items]`);
    return kept;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = shrink(v, maxChars, maxItems);
    return out;
  }
  return value;
}

/** Request-body limits; the defaults are log-worker's. */
export interface BatchLimits {
  maxEntries: number;
  maxBodyBytes: number;
}

/**
 * Groups serialized entries into JSON array bodies of at most `maxEntries`
 * entries and `maxBodyBytes` bytes, keeping their order. Each entry must
 * already fit on its own (see {@link serializeEntry}).
 */
export function toBodies(
  entries: readonly SerializedEntry[],
  limits: BatchLimits = INGEST_LIMITS,
): { body: string; entries: SerializedEntry[] }[] {
  const out: { body: string; entries: SerializedEntry[] }[] = [];
  let current: SerializedEntry[] = [];
  let size = 2; // the brackets
  const close = () => {
    if (current.length === 0) return;
    out.push({ body: `[${current.map((e) => e.json).join(",")}]`, entries: current });
    current = [];
    size = 2;
  };
  for (const entry of entries) {
    const added = entry.bytes + (current.length > 0 ? 1 : 0); // the comma
    if (current.length >= limits.maxEntries || size + added > limits.maxBodyBytes) close();
    current.push(entry);
    size += entry.bytes + (current.length > 1 ? 1 : 0);
  }
  close();
  return out;
}
