/**
 * Where the archive job writes in the `logs` bucket.
 *
 *   logs/dt=YYYY-MM-DD/<first receive ms>-<hash of the batch keys>.ndjson.gz   the archive
 *   _archive/lease.json                  the lock of the run in progress
 *   _archive/journal/<segment>.json      keys of a segment whose KV deletes are not done
 *   _archive/pending.json                "a drain is due": set by the daily cron, cleared when done
 *   _archive/last-run.json               outcome of the last run, for /debug/stats
 *   _index/dt=YYYY-MM-DD/<name>.json     per object: its blocks and what each holds (object-index.ts)
 *   _archive/recent.json                 keys archived in the last minutes (KV may still list them)
 *   _archive/retention.json              "old partitions are left to delete" (retention.ts)
 *
 * Control and index objects live outside `logs/`, so `read_json('logs/dt=*\/*.ndjson.gz')`
 * in DuckDB sees nothing but entries.
 */
export const ARCHIVE_PREFIX = "logs/";
export const CONTROL_PREFIX = "_archive/";
export const LEASE_KEY = `${CONTROL_PREFIX}lease.json`;
export const JOURNAL_PREFIX = `${CONTROL_PREFIX}journal/`;
export const PENDING_KEY = `${CONTROL_PREFIX}pending.json`;
export const LAST_RUN_KEY = `${CONTROL_PREFIX}last-run.json`;
export const RECENT_KEY = `${CONTROL_PREFIX}recent.json`;
export const RETENTION_KEY = `${CONTROL_PREFIX}retention.json`;
/** Index objects, partitioned like the archive so a date's index goes with its partition. */
export const INDEX_PREFIX = "_index/";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isArchiveDate(date: string): boolean {
  return DATE.test(date) && !Number.isNaN(Date.parse(`${date}T00:00:00Z`));
}

/** The partition prefix of one UTC day. */
export function datePrefix(date: string): string {
  return `${ARCHIVE_PREFIX}dt=${date}/`;
}

/** UTC date (YYYY-MM-DD) an entry is filed under: its own timestamp's day. */
export function entryDate(timestamp: string, fallbackMs: number): string {
  const ms = Date.parse(timestamp);
  return new Date(Number.isFinite(ms) ? ms : fallbackMs).toISOString().slice(0, 10);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The segment id of a set of batch keys: the same keys always give the same id,
 * so a run that repeats a segment after a crash rewrites the same objects
 * instead of adding copies.
 */
export async function segmentId(keys: readonly string[], firstReceivedMs: number): Promise<string> {
  const hash = await sha256Hex(keys.join("\n"));
  return `${String(firstReceivedMs).padStart(13, "0")}-${hash.slice(0, 20)}`;
}

export function objectKey(date: string, segment: string): string {
  return `${datePrefix(date)}${segment}.ndjson.gz`;
}

export function journalKey(segment: string): string {
  return `${JOURNAL_PREFIX}${segment}.json`;
}

/** The index object of an archive object: `_index/dt=D/<name>.json` for `logs/dt=D/<name>.ndjson.gz`. */
export function indexKey(objectKey: string): string {
  const name = objectKey.startsWith(ARCHIVE_PREFIX) ? objectKey.slice(ARCHIVE_PREFIX.length) : objectKey;
  return `${INDEX_PREFIX}${name.replace(/\.ndjson\.gz$/, "")}.json`;
}

/** Every index object of one UTC day (deleted together with `datePrefix(date)`). */
export function indexDatePrefix(date: string): string {
  return `${INDEX_PREFIX}dt=${date}/`;
}
