// Log entries as the bench sends them: about 300 bytes each as JSON, shaped
// like a request-log line (the stored entry gains id, receivedAt, timestamp).

export const ENTRY_BYTES = 300;
const LEVELS = ["info", "info", "info", "debug", "warn", "error"];

/**
 * One entry of about ENTRY_BYTES serialized.
 * @param {number} i
 */
export function makeEntry(i) {
  const entry = {
    level: LEVELS[i % LEVELS.length],
    message: `GET /api/items/${i % 997} 200`,
    service: "bench",
    requestId: `bench-${i.toString(36).padStart(8, "0")}`,
    method: "GET",
    path: `/api/items/${i % 997}`,
    status: 200,
    durationMs: (i * 7) % 250,
    detail: "",
  };
  entry.detail = "x".repeat(Math.max(0, ENTRY_BYTES - JSON.stringify(entry).length));
  return entry;
}

/**
 * `variants` distinct request bodies, each a JSON array of `perRequest` entries.
 * @param {number} perRequest
 * @param {number} [variants]
 */
export function makeBodies(perRequest, variants = 16) {
  return Array.from({ length: variants }, (_, v) =>
    Buffer.from(JSON.stringify(Array.from({ length: perRequest }, (_, i) => makeEntry(v * perRequest + i)))),
  );
}
