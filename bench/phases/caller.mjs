// Issue 5, figure 3 (issue 9: the KV-put reference): what logging costs the
// caller. auth-worker runs three times under Miniflare, unchanged but for where
// its `log_worker` binding points: log-worker's LogIngest entrypoint (on); a
// sink whose `ingest` only does one KV put of the batch (kvput: the least any
// store must do, on the same thread); a sink that does nothing (off: the client
// still builds and sends its batch). Locally caller, callee and the KV simulator
// share workerd's thread, so under saturation a KV put alone costs about as much
// thread time as GET /me: "on ÷ kvput" is log-worker's own cost to the caller.
// Rounds rotate the three; latencies are pooled.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { countKeys } from "../kv-count.mjs";
import { loadFigures, mergeLoads, requestJson, runLoad } from "../load.mjs";
import { median } from "../table.mjs";
import { AUTH_CONFIG, startAuthStack } from "../targets.mjs";

const CREDENTIALS = { email: "bench@example.com", password: "correct horse battery staple" };

/**
 * @typedef {object} CallerRow
 * @property {"miniflare"} path
 * @property {string} route
 * @property {number} concurrency
 * @property {number} pauseMs    think time after each response
 * @property {ReturnType<typeof loadFigures>} on
 * @property {ReturnType<typeof loadFigures>} kvput
 * @property {ReturnType<typeof loadFigures>} off
 * @property {number} p50Ratio   on / off: the median of the per-round ratios (as every ratio here)
 * @property {number} p99Ratio
 * @property {number} rpsRatio
 * @property {number} p50RatioKvPut   on / kvput
 * @property {number} rpsRatioKvPut
 */

/**
 * The median over rounds of `figure(a) / figure(b)`, round by round: the runs
 * of one round are neighbours in time, so drift on a shared machine cancels.
 * @param {import("../load.mjs").LoadResult[]} a
 * @param {import("../load.mjs").LoadResult[]} b
 * @param {(r: import("../load.mjs").LoadResult) => number} figure
 */
function roundRatio(a, b, figure) {
  return median(a.map((r, i) => figure(r) / figure(/** @type {import("../load.mjs").LoadResult} */ (b[i]))));
}

/** @param {import("../context.mjs").BenchContext} ctx */
export async function callerPhase(ctx) {
  if (!existsSync(join(ROOT, AUTH_CONFIG)) || !existsSync(join(ROOT, "packages/auth-worker/src/index.ts"))) {
    return { skipped: `${AUTH_CONFIG} or packages/auth-worker is missing` };
  }
  const s = ctx.settings.caller;
  ctx.say(
    "caller: starting auth-worker with logging on (log-worker), on a KV-put sink, and off (no-op sink)",
  );
  const [auth, logWorker] = await Promise.all([ctx.bundle("auth"), ctx.bundle("logWorker")]);
  /** @type {import("../miniflare.mjs").RunningMiniflare[]} */
  const started = [];
  try {
    const on = await startAuthStack("on", ctx.stateDir("auth-on"), { auth, logWorker });
    started.push(on);
    const kvput = await startAuthStack("kvput", ctx.stateDir("auth-kvput"), { auth, logWorker });
    started.push(kvput);
    const off = await startAuthStack("off", ctx.stateDir("auth-off"), { auth, logWorker });
    started.push(off);
    const stacks = { on, kvput, off };

    /** @type {Map<typeof on, string>} */
    const tokens = new Map();
    for (const w of [on, kvput, off]) tokens.set(w, await account(w.origin));
    let onRequests = 2; // register + login above

    const body = Buffer.from(JSON.stringify(CREDENTIALS));
    const POST = /** @type {const} */ ("POST");
    const GET = /** @type {const} */ ("GET");
    // Paced: a pause after each response lets the previous request's logging
    // (in ctx.waitUntil) finish first, so the latency is what the caller's
    // response path itself pays. Back to back: the next request competes with
    // the previous one's logging for the same workerd thread.
    const scenarios = [
      { route: "POST /login", method: POST, concurrency: 1, pauseMs: s.pauseMs, ms: s.loginMs },
      { route: "POST /login", method: POST, concurrency: 1, pauseMs: 0, ms: s.loginMs },
      { route: "GET /me", method: GET, concurrency: 1, pauseMs: s.pauseMs, ms: s.meMs },
      { route: "GET /me", method: GET, concurrency: 32, pauseMs: 0, ms: s.meMs },
    ];
    /** @type {CallerRow[]} */
    const rows = [];
    for (const sc of scenarios) {
      const spec = (/** @type {typeof on} */ w) => ({
        origin: w.origin,
        path: sc.route.split(" ")[1] ?? "/",
        method: sc.method,
        headers: /** @type {Record<string, string>} */ (
          sc.method === "POST"
            ? { "Content-Type": "application/json" }
            : { Authorization: `Bearer ${tokens.get(w)}` }
        ),
        bodies: sc.method === "POST" ? [body] : undefined,
        concurrency: sc.concurrency,
        pauseMs: sc.pauseMs,
        maxRequests: s.maxRequests,
      });
      // Warm all three (JIT, connections), unrecorded.
      for (const w of [on, kvput, off]) {
        const warm = await runLoad({ ...spec(w), durationMs: Math.min(500, sc.ms) });
        if (w === on) onRequests += warm.requests;
      }
      /** @type {Record<"on" | "kvput" | "off", import("../load.mjs").LoadResult[]>} */
      const runs = { on: [], kvput: [], off: [] };
      /** @type {("on" | "kvput" | "off")[]} */
      const order = ["on", "kvput", "off"];
      for (let round = 0; round < s.rounds; round++) {
        // Rotated per round, so that no target always runs first or last.
        for (const which of [...order.slice(round % 3), ...order.slice(0, round % 3)]) {
          const res = await runLoad({ ...spec(stacks[which]), durationMs: sc.ms / s.rounds });
          runs[which].push(res);
          if (which === "on") onRequests += res.requests;
        }
      }
      const onAll = mergeLoads(runs.on);
      const kvAll = mergeLoads(runs.kvput);
      const offAll = mergeLoads(runs.off);
      const row = {
        path: /** @type {const} */ ("miniflare"),
        route: sc.route,
        concurrency: sc.concurrency,
        pauseMs: sc.pauseMs,
        on: loadFigures(onAll),
        kvput: loadFigures(kvAll),
        off: loadFigures(offAll),
        p50Ratio: roundRatio(runs.on, runs.off, (r) => r.p50Ms),
        p99Ratio: roundRatio(runs.on, runs.off, (r) => r.p99Ms),
        rpsRatio: roundRatio(runs.on, runs.off, (r) => r.rps),
        p50RatioKvPut: roundRatio(runs.on, runs.kvput, (r) => r.p50Ms),
        rpsRatioKvPut: roundRatio(runs.on, runs.kvput, (r) => r.rps),
      };
      rows.push(row);
      ctx.say(
        `caller: ${sc.route} c=${sc.concurrency} pause ${sc.pauseMs} ms: p50 on ${onAll.p50Ms.toFixed(2)} / kv-put sink ${kvAll.p50Ms.toFixed(2)} / off ${offAll.p50Ms.toFixed(2)} ms` +
          (onAll.ok < onAll.requests || kvAll.ok < kvAll.requests || offAll.ok < offAll.requests
            ? `, NON-2xx: ${onAll.firstFailure ?? kvAll.firstFailure ?? offAll.firstFailure}`
            : ""),
      );
    }

    // Logging on must really have logged: one batch (one `log:` key) per request.
    const kv = await on.mf.getKVNamespace("log_state", "log-worker");
    let batches = 0;
    for (let i = 0; i < 40; i++) {
      const n = await countKeys(kv, "log:");
      if (n === batches && n >= onRequests) break;
      batches = n;
      await new Promise((r) => setTimeout(r, 250));
    }
    return { rows, logged: { requests: onRequests, batches } };
  } finally {
    await Promise.allSettled(started.map((w) => w.stop()));
  }
}

/**
 * Registers the bench account and returns a token from POST /login.
 * @param {string} origin
 */
async function account(origin) {
  const init = (/** @type {unknown} */ body) => ({
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const reg = await requestJson(`${origin}/register`, init(CREDENTIALS));
  if (reg.status !== 201)
    throw new Error(`auth-worker POST /register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await requestJson(`${origin}/login`, init(CREDENTIALS));
  if (login.status !== 200 || typeof login.body?.token !== "string") {
    throw new Error(`auth-worker POST /login: ${login.status} ${JSON.stringify(login.body)}`);
  }
  return /** @type {string} */ (login.body.token);
}
