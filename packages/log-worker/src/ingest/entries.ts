/**
 * Validation of a batch, all or nothing, at the cost ingest can afford.
 *
 * What a producer sent is stored as it came (see store/batches.ts, value v2):
 * ids, `receivedAt` and ISO timestamps are derived when the batch is read, so
 * the hot path only parses and checks; it never rebuilds or re-serialises the
 * entries. The checks run cheapest first, each naming the offending entry.
 */
import {
  INGEST_LIMITS,
  ISO_DATETIME_PATTERN,
  LOG_LEVELS,
  levelRank,
  logEntrySchema,
  MAX_TIMESTAMP_MS,
} from "@log-service/client/schema";
import type { z } from "zod";
import { ApiError } from "../http/errors";
import type { BatchSummary } from "../store/batches";

/**
 * Deepest nesting accepted inside an entry. Readers serialise entries again
 * (archive lines, search answers, the viewer); a value nested thousands of levels
 * deep would overflow their stacks, so it is refused at the door.
 */
export const MAX_ENTRY_DEPTH = 64;

function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  // `entries[3].message`, but `line 3: message` for a label that is not an index.
  const field = path.replace(/^\./, "");
  const at =
    where === "" || where.endsWith("]")
      ? `${where}${path}`.replace(/^\./, "")
      : field
        ? `${where}: ${field}`
        : where;
  return `${at || "body"}: ${issue.message}`;
}

/** True when `value` nests deeper than `depth` more levels. */
function nestsDeeper(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeper(item, depth - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestsDeeper((value as Record<string, unknown>)[key], depth - 1)) return true;
  }
  return false;
}

const encoder = new TextEncoder();

const LEVEL_RANKS = new Map<unknown, number>(LOG_LEVELS.map((level, rank) => [level, rank]));
const DEFAULT_LEVEL_RANK = levelRank("info");

/** What validation needs from one accepted entry. */
export interface EntryFacts {
  rank: number;
  /** Epoch ms of the entry's timestamp; undefined when it has none. */
  ms: number | undefined;
  service: string | undefined;
}

/**
 * The common case of `logEntrySchema`, decided without zod: the facts of an
 * entry the schema certainly accepts, or null to let the schema decide (it is
 * the definition, and it words the errors). Workers forbid code generation, so
 * zod runs its interpreted path there, which cost more than parsing the body;
 * this check costs a few property reads. It only ever accepts a subset of what
 * the schema accepts (test/ingest-fast-path.test.ts holds it to that).
 */
export function quickEntryFacts(item: unknown): EntryFacts | null {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return null;
  const { level, message, service, requestId, timestamp } = item as Record<string, unknown>;
  const rank = level === undefined ? DEFAULT_LEVEL_RANK : LEVEL_RANKS.get(level);
  if (rank === undefined) return null;
  if (typeof message !== "string" || message.length === 0) return null;
  if (service !== undefined && typeof service !== "string") return null;
  if (requestId !== undefined && typeof requestId !== "string") return null;
  let ms: number | undefined;
  if (typeof timestamp === "number") {
    if (!Number.isInteger(timestamp)) return null;
    ms = timestamp;
  } else if (typeof timestamp === "string") {
    if (!ISO_DATETIME_PATTERN.test(timestamp)) return null;
    ms = Date.parse(timestamp);
  } else if (timestamp !== undefined) {
    return null;
  }
  if (ms !== undefined && !(ms >= 0 && ms <= MAX_TIMESTAMP_MS)) return null;
  return { rank, ms, service };
}

/** The same facts from the schema, or the error naming the entry. */
function schemaEntryFacts(item: unknown, index: number | null, where: string): EntryFacts {
  const parsed = logEntrySchema.safeParse(item);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => describeIssue(issue, where));
    throw new ApiError(400, "invalid_entry", issues[0] ?? "invalid entry", { details: { index, issues } });
  }
  const { level, timestamp, service } = parsed.data;
  return { rank: levelRank(level), ms: timestamp, service };
}

/** Serialized size of one entry, encoding only when its length alone cannot settle it. */
function entryBytes(item: unknown, where: string): number {
  let json: string;
  try {
    json = JSON.stringify(item);
  } catch {
    // Only values that did not come from JSON (RPC) can fail here: a BigInt, say.
    throw new ApiError(
      400,
      "invalid_entry",
      `${where || "entry"}: holds a value JSON cannot represent (a BigInt, say).`,
    );
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes.
  if (json.length * 3 <= INGEST_LIMITS.maxEntryBytes) return json.length;
  return encoder.encode(json).byteLength;
}

/** What the caller knows about the entries it hands to `validateEntries`. */
export interface ValidateOptions {
  /**
   * An upper bound of any one entry's serialized size (the size of the JSON the
   * entries came from): under the per-entry limit, no entry needs serialising.
   */
  entryBytesBound?: number;
  /** The caller built the entries and already held each to the size and depth limits (OTLP). */
  limitsChecked?: boolean;
  /** How errors name an entry: `entries[3]` by default, `line 4` for NDJSON. */
  label?: (index: number) => string;
}

/**
 * Checks a parsed body (one entry or an array of them) against the wire schema
 * and the limits; throws `ApiError` naming the first offending entry.
 */
export function validateEntries(
  body: unknown,
  receivedAtMs: number,
  options: ValidateOptions = {},
): BatchSummary {
  const { entryBytesBound = Number.POSITIVE_INFINITY, limitsChecked = false } = options;
  const label = options.label ?? ((i: number) => `entries[${i}]`);
  if (typeof body !== "object" || body === null) {
    throw new ApiError(400, "invalid_entry", "body: must be a JSON object or an array of objects.");
  }
  const isArray = Array.isArray(body);
  const items: readonly unknown[] = isArray ? body : [body];
  if (isArray && items.length === 0) {
    throw new ApiError(400, "empty_batch", "The array holds no entries; send at least one.");
  }
  if (items.length > INGEST_LIMITS.maxEntries) {
    throw new ApiError(
      413,
      "too_many_entries",
      `The batch holds ${items.length} entries; at most ${INGEST_LIMITS.maxEntries} are accepted per request.`,
    );
  }
  const checkSizes = !limitsChecked && entryBytesBound > INGEST_LIMITS.maxEntryBytes;
  const services = new Set<string>();
  const summary = {
    n: items.length,
    hi: 0,
    t0: Number.POSITIVE_INFINITY,
    t1: Number.NEGATIVE_INFINITY,
    services,
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const index = isArray ? i : null;
    const where = index === null ? "" : label(i);
    if (checkSizes) {
      const bytes = entryBytes(item, where);
      if (bytes > INGEST_LIMITS.maxEntryBytes) {
        throw new ApiError(
          413,
          "entry_too_large",
          `${where || "The entry"} is ${bytes} bytes serialized; the limit is ${INGEST_LIMITS.maxEntryBytes}.`,
          { details: { index, bytes } },
        );
      }
    }
    const facts = quickEntryFacts(item) ?? schemaEntryFacts(item, index, where);
    if (!limitsChecked && nestsDeeper(item, MAX_ENTRY_DEPTH)) {
      throw new ApiError(
        400,
        "invalid_entry",
        `${where || "entry"}: nests deeper than ${MAX_ENTRY_DEPTH} levels; flatten it.`,
        { details: { index } },
      );
    }
    summary.hi = Math.max(summary.hi, facts.rank);
    const t = facts.ms ?? receivedAtMs;
    if (t < summary.t0) summary.t0 = t;
    if (t > summary.t1) summary.t1 = t;
    services.add(facts.service ?? "");
  }
  return summary;
}
