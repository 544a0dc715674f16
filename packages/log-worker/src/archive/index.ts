/**
 * The archive: moves batches waiting in KV into R2 (gzip NDJSON under
 * `logs/dt=YYYY-MM-DD/`) and only then deletes them from KV.
 *
 * Owns the job (`archiveLogs`, run.ts), the cron dispatch (scheduled.ts), the
 * R2 layout (layout.ts), the lease, journals and drain marker that make it safe
 * under crashes and concurrency (lease.ts, journal.ts, state.ts), the segment
 * commit and object writer (segment.ts, object.ts), the operation budget
 * (budget.ts), its settings (config.ts), and reading the archive back (read.ts).
 */
export { listArchive, r2LogsQuerySchema, readArchivedObject } from "./read";
export { ArchiveBusy, ArchiveFailed, type ArchiveResult, archiveLogs } from "./run";
export { runScheduled } from "./scheduled";
