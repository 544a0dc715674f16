/**
 * The wire contract between application workers and log-worker, defined once.
 *
 * log-worker validates every `POST /log` body with these schemas; the client's
 * types are inferred from them, so the two can never drift apart.
 */
import { z } from "zod";

/** Levels from least to most severe; the order is what "minimum level" means. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Rank of a level (debug = 0 … fatal = 4), for "at least this level" filters. */
export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/** Limits of one `POST /log`; a request over any of them is refused whole. */
export const INGEST_LIMITS = {
  /** Bytes of request body. Larger: 413 `payload_too_large`. */
  maxBodyBytes: 1024 * 1024,
  /** Entries in one batch. More: 413 `too_many_entries`. */
  maxEntries: 1000,
  /** Bytes of one entry, serialized as JSON. Larger: 413 `entry_too_large`. */
  maxEntryBytes: 64 * 1024,
} as const;

/** The latest instant an entry may carry: 9999-12-31T23:59:59.999Z. */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;

const TIMESTAMP_RANGE = "must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in UTC";

/** The ISO-8601 form the wire accepts: a date-time with an offset (`Z` or `±hh:mm`). */
const ISO_DATETIME = { offset: true } as const;

/** zod's own pattern for that form, for checks that run without zod (log-worker's ingest fast path). */
export const ISO_DATETIME_PATTERN: RegExp = z.core.regexes.datetime(ISO_DATETIME);

/**
 * A point in time as the wire accepts it: an ISO-8601 date-time with an offset
 * (`2026-11-28T21:09:13.000Z`, `2026-11-28T22:09:13+01:00`) or epoch milliseconds.
 * Parses to epoch milliseconds. One range rule for both forms, applied after
 * normalising to UTC, so every entry files under a well-formed `dt=YYYY-MM-DD`
 * (`9999-12-31T23:59:59-01:00` is year 10000 in UTC, and refused). Epoch seconds
 * pass (and land in January 1970): send milliseconds or ISO-8601.
 */
export const timestampSchema = z
  .union([z.iso.datetime(ISO_DATETIME).transform((iso) => Date.parse(iso)), z.number().int()], {
    error: "must be an ISO-8601 date-time with a time zone, or epoch milliseconds",
  })
  .refine((ms) => ms >= 0 && ms <= MAX_TIMESTAMP_MS, TIMESTAMP_RANGE);

/**
 * One log entry as sent by a client. Unknown fields are kept as they are.
 * @example { "level": "warn", "message": "slow upstream", "service": "auth-worker", "ms": 812 }
 */
export const logEntrySchema = z.looseObject({
  level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  message: z.string({ error: "must be a non-empty string" }).min(1, "must be a non-empty string"),
  service: z.string({ error: "must be a string" }).optional(),
  timestamp: timestampSchema.optional(),
  requestId: z.string({ error: "must be a string" }).optional(),
});

/** What a client may send for one entry (level and timestamp optional). */
export type LogEntryInput = z.input<typeof logEntrySchema>;

/**
 * An entry as log-worker stores and archives it: the client's fields plus a
 * unique `id`, `receivedAt`, and `timestamp` normalised to ISO-8601 UTC.
 */
export interface StoredLogEntry {
  [field: string]: unknown;
  id: string;
  level: LogLevel;
  message: string;
  timestamp: string;
  receivedAt: string;
  service?: string;
  requestId?: string;
}

/** Body of a successful `POST /log` (status 201). */
export interface IngestResponse {
  accepted: number;
  key: string;
}

/** Options of the `LogIngest.ingest` RPC method. */
export interface IngestOptions {
  /** 8–128 characters of [A-Za-z0-9_.:-]; a retry with the same key stores nothing new. */
  idempotencyKey: string;
}

/**
 * What the `LogIngest.ingest` RPC method answers: the batch's key, or why it was
 * refused and whether a retry (with the same idempotency key) can succeed.
 */
export type IngestResult =
  | { ok: true; accepted: number; key: string }
  | { ok: false; status: number; code: string; message: string; retryable: boolean; retryAfterMs?: number };
