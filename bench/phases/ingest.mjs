// Issue 5, figures 1 and 2: POST /log throughput and latency against the
// runtime's ceiling (a bare worker), the storage floor (one KV put per request)
// and the rejected single-index design, all under Miniflare, in one run.
// Each cell runs the four targets back to back, in rounds, in an order rotated
// per cell, so that drift on a shared machine does not favour one target.
import { makeBodies } from "../entries.mjs";
import { countLogKeysBetween } from "../kv-count.mjs";
import { loadFigures, mergeLoads, runLoad } from "../load.mjs";
import { API_KEY, startBare, startKvPut, startLogWorker } from "../targets.mjs";

/** The rejected design's index key (bench/workers/single-index-design.ts). */
const INDEX_KEY = "log_keys:index";

/** @typedef {"bare" | "kv-put" | "log-worker" | "single-index"} TargetId */

export const TARGET_LABELS = /** @type {const} */ ({
  bare: "bare worker, 200 (ceiling)",
  "kv-put": "one KV put (floor)",
  "log-worker": "log-worker POST /log",
  "single-index": "single-index design (rejected)",
});

/**
 * @typedef {object} IngestRow
 * @property {"miniflare"} path
 * @property {TargetId} target
 * @property {number} entriesPerRequest
 * @property {number} concurrency
 * @property {number} entriesPerS      2xx responses × entries per request, per second
 * @property {number[]} roundEntriesPerS the same, per round (rounds alternate the targets)
 * @property {number} acked            2xx responses, warm-up included (what the loss check counts)
 * @property {number | null} stored    log-worker: `log:` keys written; single-index: entries in its index
 * @property {number | null} lost      acked − stored
 * @property {ReturnType<typeof loadFigures>} load
 */

/** @param {import("../context.mjs").BenchContext} ctx */
export async function ingestPhase(ctx) {
  const s = ctx.settings.ingest;
  const json = { "Content-Type": "application/json" };
  ctx.say("ingest: starting bare, kv-put, log-worker and single-index workers under Miniflare");
  const [logWorkerScript, singleIndexScript] = await Promise.all([
    ctx.bundle("logWorker"),
    ctx.bundle("singleIndex"),
  ]);
  /** @type {Record<TargetId, import("../miniflare.mjs").RunningMiniflare>} */
  const running = /** @type {any} */ ({});
  try {
    // One at a time: each instance's workerd pid is the child that appears.
    running.bare = await startBare(ctx.stateDir("bare"));
    running["kv-put"] = await startKvPut(ctx.stateDir("kv-put"));
    running["log-worker"] = await startLogWorker("log-worker", ctx.stateDir("log-worker"), logWorkerScript);
    running["single-index"] = await startLogWorker(
      "single-index",
      ctx.stateDir("single-index"),
      singleIndexScript,
    );
    const oursKv = await running["log-worker"].mf.getKVNamespace("log_state");
    const indexKv = await running["single-index"].mf.getKVNamespace("log_state");

    /** @type {Record<TargetId, Record<string, string>>} */
    const headers = {
      bare: json,
      "kv-put": json,
      "log-worker": { ...json, "X-API-Key": API_KEY },
      "single-index": json,
    };
    /** @type {TargetId[]} */
    const order = ["bare", "kv-put", "log-worker", "single-index"];
    /** @type {IngestRow[]} */
    const rows = [];
    let cell = 0;
    for (const entriesPerRequest of s.entriesPerRequest) {
      const bodies = makeBodies(entriesPerRequest);
      for (const concurrency of s.concurrency) {
        const rotated = [...order.slice(cell % order.length), ...order.slice(0, cell % order.length)];
        cell++;
        /** @type {Map<TargetId, { runs: import("../load.mjs").LoadResult[], acked: number, stored: number }>} */
        const tally = new Map(order.map((t) => [t, { runs: [], acked: 0, stored: 0 }]));
        for (let round = 0; round < s.rounds; round++) {
          for (const target of rotated) {
            const w = running[target];
            const t =
              /** @type {{ runs: import("../load.mjs").LoadResult[], acked: number, stored: number }} */ (
                tally.get(target)
              );
            // A fresh index, as at the start of a day (and as small as it ever is).
            if (target === "single-index") await indexKv.delete(INDEX_KEY);
            const spec = {
              origin: w.origin,
              path: "/log",
              headers: headers[target],
              bodies,
              concurrency,
              maxRequests: s.maxRequests,
            };
            const windowStart = Date.now();
            if (round === 0) t.acked += (await runLoad({ ...spec, durationMs: s.warmupMs })).ok;
            const res = await runLoad({ ...spec, durationMs: s.durationMs / s.rounds });
            const windowEnd = Date.now();
            t.runs.push(res);
            t.acked += res.ok;
            if (target === "log-worker") {
              // Our runs are over a second apart (the other targets run between them),
              // so a 250 ms margin on the window cannot catch another run's keys.
              t.stored += await countLogKeysBetween(oursKv, windowStart - 250, windowEnd + 250);
            } else if (target === "single-index") {
              const index = /** @type {string[] | null} */ (await indexKv.get(INDEX_KEY, "json"));
              t.stored += index?.length ?? 0;
            }
          }
        }
        for (const target of order) {
          const t =
            /** @type {{ runs: import("../load.mjs").LoadResult[], acked: number, stored: number }} */ (
              tally.get(target)
            );
          const res = mergeLoads(t.runs);
          const counted = target === "log-worker" || target === "single-index";
          const row = {
            path: /** @type {const} */ ("miniflare"),
            target,
            entriesPerRequest,
            concurrency,
            entriesPerS: (res.ok * entriesPerRequest) / res.elapsedS,
            roundEntriesPerS: t.runs.map((run) => (run.ok * entriesPerRequest) / run.elapsedS),
            acked: t.acked,
            stored: counted ? t.stored : null,
            lost: counted ? t.acked - t.stored : null,
            load: loadFigures(res),
          };
          rows.push(row);
          ctx.say(
            `ingest: ${entriesPerRequest}/req c=${concurrency} ${target}: ${Math.round(row.entriesPerS)} entries/s, p50 ${res.p50Ms.toFixed(2)} ms` +
              (row.lost === null ? "" : `, lost ${row.lost} of ${t.acked}`) +
              (res.ok < res.requests || res.errors ? `, NON-2xx: ${res.firstFailure}` : ""),
          );
        }
      }
    }
    return { rows };
  } finally {
    await Promise.allSettled(Object.values(running).map((w) => w.stop()));
  }
}
