// The load generator: a small in-process loop over undici's Pool (one keep-alive
// connection per concurrent request, no pipelining). Chosen over autocannon
// because it times each request with performance.now() (autocannon's
// percentiles are whole milliseconds, too coarse for a sub-millisecond bare
// worker), sends rotating bodies, and tallies every status, which the loss
// check needs. It runs in the bench's own Node process; Miniflare's side of that
// process is idle while load runs (workerd serves the requests itself).
import { Pool } from "undici";

/**
 * @typedef {object} LoadSpec
 * @property {string} origin                  e.g. http://127.0.0.1:41234
 * @property {string} path
 * @property {"GET" | "POST"} [method]
 * @property {Record<string, string>} [headers]
 * @property {Buffer[]} [bodies]              request bodies, used in turn
 * @property {number} concurrency             requests in flight (= connections)
 * @property {number} durationMs              no request starts after this
 * @property {number} maxRequests             ... nor after this many
 * @property {number} [pauseMs]               think time after each response (0: back to back)
 */

/**
 * @typedef {object} LoadResult
 * @property {number} requests                completed (any status)
 * @property {number} ok                      2xx
 * @property {Record<string, number>} statuses
 * @property {number} errors                  network errors
 * @property {string | null} firstFailure     body or error of the first non-2xx
 * @property {number} elapsedS
 * @property {number} rps
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} meanMs
 * @property {number} maxMs
 * @property {Float64Array} latencies         ms, one per completed request (not written to JSON)
 */

/**
 * Nearest-rank percentile of sorted values.
 * @param {Float64Array} sorted
 * @param {number} q  0..1
 */
export function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return /** @type {number} */ (sorted[rank - 1]);
}

/**
 * Summary of latencies and counters.
 * @param {Float64Array} latencies
 * @param {Omit<LoadResult, "rps" | "p50Ms" | "p99Ms" | "meanMs" | "maxMs" | "latencies" | "requests">} counts
 * @returns {LoadResult}
 */
function summarise(latencies, counts) {
  const sorted = Float64Array.from(latencies).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    ...counts,
    requests: sorted.length,
    rps: sorted.length / counts.elapsedS,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
    maxMs: sorted.length ? /** @type {number} */ (sorted[sorted.length - 1]) : Number.NaN,
    latencies: sorted,
  };
}

/**
 * Sends requests with `concurrency` in flight until `durationMs` or `maxRequests`.
 * @param {LoadSpec} spec
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(spec) {
  const { origin, path, method = "POST", headers = {}, bodies, concurrency, durationMs, maxRequests } = spec;
  const pauseMs = spec.pauseMs ?? 0;
  const pool = new Pool(origin, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
  });
  const latencies = new Float64Array(maxRequests);
  /** @type {Record<string, number>} */
  const statuses = {};
  let issued = 0;
  let done = 0;
  let ok = 0;
  let errors = 0;
  /** @type {string | null} */
  let firstFailure = null;
  const start = performance.now();
  const stopAt = start + durationMs;
  const worker = async () => {
    while (issued < maxRequests && performance.now() < stopAt) {
      const body = bodies ? bodies[issued % bodies.length] : undefined;
      issued++;
      const t0 = performance.now();
      try {
        const res = await pool.request({ path, method, headers, body });
        if (res.statusCode >= 200 && res.statusCode < 300) {
          await res.body.arrayBuffer();
          ok++;
        } else {
          const text = await res.body.text();
          firstFailure ??= `${res.statusCode} ${text.slice(0, 300)}`;
        }
        latencies[done++] = performance.now() - t0;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      } catch (err) {
        errors++;
        firstFailure ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  const elapsedS = (performance.now() - start) / 1000;
  return summarise(latencies.subarray(0, done), { ok, statuses, errors, firstFailure, elapsedS });
}

/**
 * Pools several runs of the same load (e.g. rounds interleaved with another
 * target) into one result: latencies merged, throughput over their total time.
 * @param {LoadResult[]} results
 * @returns {LoadResult}
 */
export function mergeLoads(results) {
  const total = results.reduce((n, r) => n + r.latencies.length, 0);
  const latencies = new Float64Array(total);
  let offset = 0;
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const r of results) {
    latencies.set(r.latencies, offset);
    offset += r.latencies.length;
    for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  }
  return summarise(latencies, {
    ok: results.reduce((n, r) => n + r.ok, 0),
    statuses,
    errors: results.reduce((n, r) => n + r.errors, 0),
    firstFailure: results.find((r) => r.firstFailure)?.firstFailure ?? null,
    elapsedS: results.reduce((n, r) => n + r.elapsedS, 0),
  });
}

/**
 * The figures of a result worth keeping in JSON (no latency array).
 * @param {LoadResult} r
 */
export function loadFigures(r) {
  const { latencies: _, ...figures } = r;
  return figures;
}

/**
 * One request, its JSON body parsed (for setup and control calls, not timed load).
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, body: any }>}
 */
export async function requestJson(url, init = {}) {
  const res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(600_000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}
