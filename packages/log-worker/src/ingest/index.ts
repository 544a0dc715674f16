/**
 * Ingest: turns what producers send into stored batches. Validation and the
 * stored shape of an entry, and the `POST /log` handler (http.ts).
 */
export { handleIngest, readBodyLimited, toStoredEntries } from "./http";
