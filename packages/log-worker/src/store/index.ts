/**
 * How batches live in Workers KV: one value per accepted batch under
 * `log:{13-digit ms}:{suffix}`, with list metadata that lets readers skip it
 * (batches.ts), and the listing of what waits there (kv-logs.ts).
 */
export * from "./batches";
export { kvLogsQuerySchema, listWaitingLogs } from "./kv-logs";
