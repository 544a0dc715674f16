/**
 * Turning archived bytes back into entries: a block range or a whole object,
 * decompressed, split into NDJSON lines, each line that can match parsed and checked.
 *
 * Lines are read back from storage, so each parsed line is validated; a unit
 * (a block range or an object) holding a line that is not an entry is reported
 * corrupt and none of its entries are used.
 */
import { inflateRawSync } from "node:zlib";
import { LOG_LEVELS, type LogLevel, type StoredLogEntry } from "@log-service/client/schema";
import { FINAL_DEFLATE_BLOCK } from "../archive/object";

/** Most bytes one block range may inflate to; more is not an archive this version wrote. */
const MAX_RANGE_TEXT_BYTES = 64 * 1024 * 1024;

/** What a page looks for in a line, cheapest check first. */
export interface LineFilter {
  /** A substring every matching line contains verbatim (e.g. `"req-1"` for a request id), or null. */
  exact: string | null;
  /** Lowercase ASCII text every matching line contains once lowercased (for `q`), or null. */
  folded: string | null;
  /** Called with each parsed entry that passed the cheap checks. */
  accept(entry: StoredLogEntry, t: number): void;
}

export interface ScanResult {
  /** Lines in the text. */
  lines: number;
  /** A line that had to be parsed was not a valid entry. */
  corrupt: boolean;
}

const decoder = new TextDecoder();

/** A block range (one or more whole blocks) as text. Throws when the bytes do not inflate. */
export function inflateBlocks(bytes: Uint8Array): string {
  const input = new Uint8Array(bytes.byteLength + FINAL_DEFLATE_BLOCK.byteLength);
  input.set(bytes);
  input.set(FINAL_DEFLATE_BLOCK, bytes.byteLength);
  return decoder.decode(inflateRawSync(input, { maxOutputLength: MAX_RANGE_TEXT_BYTES }));
}

function parseEntry(line: string): { entry: StoredLogEntry; t: number } | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const e = value as Record<string, unknown>;
  if (typeof e.id !== "string" || e.id.length === 0) return null;
  if (typeof e.message !== "string" || typeof e.timestamp !== "string") return null;
  if (!LOG_LEVELS.includes(e.level as LogLevel)) return null;
  const t = Date.parse(e.timestamp);
  if (!Number.isFinite(t)) return null;
  return { entry: e as StoredLogEntry, t };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  // A last line without its newline still counts.
  if (text.length > 0 && !text.endsWith("\n")) n++;
  return n;
}

/**
 * Feeds every line of `text` that can match to `filter.accept`. With a cheap
 * substring (`exact` or `folded`), only lines containing it are parsed.
 */
export function scanLines(text: string, filter: LineFilter): ScanResult {
  const lines = countLines(text);
  const parse = (start: number, end: number): boolean => {
    if (end <= start) return true;
    const parsed = parseEntry(text.slice(start, end));
    if (!parsed) return false;
    filter.accept(parsed.entry, parsed.t);
    return true;
  };
  const lineEnd = (from: number) => {
    const nl = text.indexOf("\n", from);
    return nl === -1 ? text.length : nl;
  };

  let haystack: string | null = null;
  let needle: string | null = null;
  if (filter.exact !== null) {
    haystack = text;
    needle = filter.exact;
  } else if (filter.folded !== null) {
    const lower = text.toLowerCase();
    // Lowercasing keeps positions unless some character changes length (e.g. "İ").
    if (lower.length === text.length) {
      haystack = lower;
      needle = filter.folded;
    }
  }

  if (haystack !== null && needle !== null) {
    let from = 0;
    for (;;) {
      const hit = haystack.indexOf(needle, from);
      if (hit === -1) break;
      const start = text.lastIndexOf("\n", hit) + 1;
      const end = lineEnd(hit);
      if (!parse(start, end)) return { lines, corrupt: true };
      from = end + 1;
    }
    return { lines, corrupt: false };
  }

  for (let start = 0; start < text.length; ) {
    const end = lineEnd(start);
    if (filter.folded !== null && !text.slice(start, end).toLowerCase().includes(filter.folded)) {
      start = end + 1;
      continue;
    }
    if (!parse(start, end)) return { lines, corrupt: true };
    start = end + 1;
  }
  return { lines, corrupt: false };
}

/**
 * A whole object, streamed through gzip: `onText` gets runs of complete lines,
 * so memory stays bounded whatever the object's size. Throws when it is not gzip.
 */
export async function forEachTextRun(
  body: ReadableStream<Uint8Array>,
  onText: (text: string) => boolean,
): Promise<void> {
  const reader = body
    .pipeThrough(new DecompressionStream("gzip"))
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let carry = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = carry + value;
      const cut = text.lastIndexOf("\n") + 1;
      carry = text.slice(cut);
      if (cut > 0 && !onText(text.slice(0, cut))) return;
    }
    if (carry.length > 0) onText(carry);
  } finally {
    await reader.cancel().catch(() => {});
  }
}
