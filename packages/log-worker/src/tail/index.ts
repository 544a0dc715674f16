/**
 * Tail capture: log-worker as a Tail Worker. A producer whose wrangler config
 * says `tail_consumers = [{ service = "log-worker" }]` has its console lines,
 * uncaught exceptions and invocations stored as entries with `source: "tail"`,
 * with no code change (docs/tail.md).
 *
 * Owns the handler (handler.ts: one KV batch per delivery), the mapping of trace
 * events to entries and the loop guard (entries.ts; the invocation entry in
 * invocation.ts, tolerant field readers in read.ts, the entry shape in
 * captured.ts), the recovery of batches the client reported lost (lost.ts), the
 * split into batches and their idempotency keys (parts.ts), bounded text
 * (text.ts) and the `TAIL_CAPTURE` setting (settings.ts).
 */
export { handleTail, type TailEnv, type TailResult } from "./handler";
