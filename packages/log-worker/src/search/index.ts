/**
 * Search over waiting and archived logs (`GET /debug/logs`): one page of
 * entries from KV and R2 together, in (timestamp, id) order, with a cursor and
 * a bounded scan (search.ts); the query and cursor (query.ts); the sources and
 * how each is read or skipped (sources.ts, lines.ts).
 */

export { type SearchQuery, searchQuerySchema } from "./query";
export { type Scanned, type SearchPage, searchLogs } from "./search";
