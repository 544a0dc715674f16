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

// Epoch milliseconds between 1970 and 9999. Microseconds fail this check; epoch
// seconds pass it (and land in January 1970): send milliseconds or ISO-8601.
const MAX_EPOCH_MS = 253_402_300_799_999;

/**
 * A point in time as the wire accepts it: an ISO-8601 date-time with an offset
 * (`2026-11-28T21:09:13.000Z`, `2026-11-28T22:09:13+01:00`) or epoch milliseconds.
 * Parses to epoch milliseconds.
 */
export const timestampSchema = z.union(
  [
    z.iso.datetime({ offset: true }).transform((iso) => Date.parse(iso)),
    z.number().int().min(0).max(MAX_EPOCH_MS),
  ],
  { error: "must be an ISO-8601 date-time with a time zone, or epoch milliseconds" },
);

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

/**
 * What log-worker's `LogIngest.ingest(entries, { idempotencyKey })` answers over
 * RPC: the stored batch, or a typed failure the client acts on (`retryable`,
 * `retryAfterMs`) instead of parsing an HTTP status.
 */
export type IngestResult =
  | { ok: true; accepted: number; key: string }
  | { ok: false; status: number; code: string; message: string; retryable: boolean; retryAfterMs?: number };
