/**
 * One tail delivery → as few ingest batches as the limits allow (one, unless
 * it holds more than 1,000 entries or 1 MiB), each under an idempotency key
 * derived from the delivery's content, so a redelivered event stores nothing new.
 */
import { INGEST_LIMITS } from "@log-service/client/schema";
import { asArray, asEpochMs, asRecord } from "./read";
import { utf8Bytes } from "./text";

/** A batch of one delivery and the key it is stored under. */
export interface Part<T> {
  idempotencyKey: string;
  entries: T[];
}

/**
 * Splits entries, in order, into batches of at most `maxEntries` entries and
 * `maxBytes` of JSON array (what `POST /log` would receive).
 */
export function splitEntries<T>(
  entries: readonly T[],
  maxEntries: number = INGEST_LIMITS.maxEntries,
  maxBytes: number = INGEST_LIMITS.maxBodyBytes,
): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 2; // "[" and "]"
  for (const entry of entries) {
    const size = utf8Bytes(JSON.stringify(entry)) + 1; // and its comma
    if (part.length > 0 && (part.length >= maxEntries || bytes + size > maxBytes)) {
      parts.push(part);
      part = [];
      bytes = 2;
    }
    part.push(entry);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Hex SHA-256 of the events' content (as JSON, functions such as
 * `getUnredacted` left out). The same delivery gives the same digest; another
 * invocation differs in its request (in production at least its `cf-ray`
 * header), its timestamp or its lines. Events that cannot be serialized get a
 * random digest: stored, never taken for a redelivery.
 */
export async function deliveryDigest(events: unknown): Promise<string> {
  let json: string;
  try {
    json = JSON.stringify(events) ?? "null";
  } catch {
    json = crypto.randomUUID();
  }
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(json));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The earliest `eventTimestamp` of the delivery: the same on a redelivery, and
 * close to when the entries happened.
 */
export function deliveryTime(events: unknown): number | undefined {
  let earliest: number | undefined;
  for (const item of asArray(events)) {
    const t = asEpochMs(asRecord(item)?.eventTimestamp);
    if (t !== undefined && (earliest === undefined || t < earliest)) earliest = t;
  }
  return earliest;
}

/**
 * The delivery's batches with their keys: `<13-digit ms>-tail-<digest>-<part>`.
 * Ingest files a key that starts with 13 digits of epoch ms under that time
 * (others under the day's start), so the batch sorts with its neighbours in KV.
 */
export function keyedParts<T>(digest: string, timeMs: number | undefined, parts: readonly T[][]): Part<T>[] {
  const prefix = timeMs === undefined ? "tail" : `${String(timeMs).padStart(13, "0")}-tail`;
  return parts.map((entries, i) => ({ idempotencyKey: `${prefix}-${digest}-${i}`, entries }));
}
