/**
 * Bounded text for captured entries. A producer can `console.log` megabytes or
 * values that are not strings; every captured entry must still fit ingest's
 * 64 KiB limit, so long text is cut and marked rather than refused.
 */
import { INGEST_LIMITS } from "@log-service/client/schema";

/** Longest `message` kept, in UTF-16 units (before the marker). */
export const MAX_MESSAGE_CHARS = 16 * 1024;
/** Longest `err.stack` kept. */
export const MAX_STACK_CHARS = 16 * 1024;
/** Longest short field (an error's name or message, a path, a method). */
export const MAX_FIELD_CHARS = 4 * 1024;
/** Bytes one captured entry may take serialized, with room for what ingest adds (id, receivedAt, source). */
export const MAX_ENTRY_BYTES = INGEST_LIMITS.maxEntryBytes - 1024;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * `text` cut to `max` UTF-16 units, never inside a surrogate pair, with a marker
 * saying how much was cut; `truncated` tells whether anything was.
 */
export function cut(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = Math.max(0, max);
  // Do not leave half of a surrogate pair at the end.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return { text: `${text.slice(0, end)}… [truncated ${text.length - end} chars]`, truncated: true };
}

/** Any value as text: strings as they are, anything else as (already redacted) JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[Unserializable]";
  }
}

/** The free-text fields of a captured entry, before bounding. */
export interface LongText {
  message: string;
  err?: { name?: string; message?: string; stack?: string };
}

/**
 * `entry` with its free text (`message`, `err.message`, `err.stack`) cut to the
 * limits above, and marked `truncated: true` when anything was cut. If the result
 * still passes {@link MAX_ENTRY_BYTES} serialized (text that grows when escaped:
 * a control character takes 6 bytes), the limits are halved until it fits.
 */
export function bounded<T extends LongText>(entry: T): T & { truncated?: true } {
  let out: T & { truncated?: true } = entry;
  for (let scale = 1; scale <= 1024; scale *= 2) {
    let truncated = false;
    const take = (text: string, max: number) => {
      const c = cut(text, Math.floor(max / scale));
      truncated ||= c.truncated;
      return c.text;
    };
    out = { ...entry, message: take(entry.message, MAX_MESSAGE_CHARS) };
    if (entry.err) {
      const err = { ...entry.err };
      if (err.name !== undefined) err.name = take(err.name, MAX_FIELD_CHARS);
      if (err.message !== undefined) err.message = take(err.message, MAX_FIELD_CHARS);
      if (err.stack !== undefined) err.stack = take(err.stack, MAX_STACK_CHARS);
      out.err = err;
    }
    if (truncated) out.truncated = true;
    if (utf8Bytes(JSON.stringify(out)) <= MAX_ENTRY_BYTES) return out;
  }
  return out;
}
