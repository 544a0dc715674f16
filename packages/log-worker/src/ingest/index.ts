/**
 * Ingest: turns what producers send into stored batches. One path for all of
 * them (core.ts: validate, derive the key, store), the entry checks
 * (entries.ts), and the `POST /log` handler (http.ts).
 */
export { checkIdempotencyKey, type IngestAnswer, type IngestOptions, ingestEntries } from "./core";
export { MAX_ENTRY_DEPTH } from "./entries";
export { handleIngest } from "./http";
