// Issue 11: tail capture. A producer that only calls console.log has log-worker
// as its tail consumer (Miniflare `tails`), with TAIL_CAPTURE=all; both run in
// one workerd process. For each number of lines per invocation: how fast the
// entries land in KV (captured entries/s, from the first request until every
// entry is stored) and how many KV writes a captured invocation costs (goal:
// one per delivery, whatever the number of lines). Writes and deliveries are
// counted in workerd by the op-counting wrapper (bench/workers/op-counter.ts).
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { compatibilityDate, configVars } from "../bundle.mjs";
import { runLoad } from "../load.mjs";
import { startMiniflare } from "../miniflare.mjs";
import { API_KEY, LOG_CONFIG } from "../targets.mjs";

/** Longest wait for the last tail delivery to be stored. */
const SETTLE_MS = 60_000;

/**
 * @typedef {object} TailRow
 * @property {"miniflare"} path
 * @property {number} linesPerInvocation
 * @property {number} invocations
 * @property {number} entries        stored (lines + one invocation entry each)
 * @property {number} seconds        first request → last entry stored
 * @property {number} entriesPerS
 * @property {number} invocationsPerS
 * @property {number} deliveries     tail() calls
 * @property {number} kvWrites       KV puts
 * @property {number} writesPerInvocation
 * @property {number} writesPerDelivery
 */

/** @param {import("../context.mjs").BenchContext} ctx */
export async function tailPhase(ctx) {
  const quick = ctx.settings.quick;
  const cells = [
    { lines: 1, invocations: quick ? 100 : 400 },
    { lines: 10, invocations: quick ? 100 : 300 },
    { lines: 100, invocations: quick ? 30 : 100 },
    { lines: 500, invocations: quick ? 10 : 40 },
  ];
  const script = await ctx.bundle("logWorkerCounted");
  /** @type {TailRow[]} */
  const rows = [];
  for (const cell of cells) {
    const w = await startMiniflare(`tail ${cell.lines} lines`, {
      resourcePersistencePath: ctx.stateDir(`tail-${cell.lines}`),
      workers: [
        {
          name: "tail-producer",
          modules: true,
          scriptPath: join(ROOT, "bench", "workers", "tail-producer.js"),
          compatibilityDate: compatibilityDate(LOG_CONFIG),
          tails: ["log-worker"],
        },
        {
          name: "log-worker",
          modules: true,
          scriptPath: script,
          compatibilityDate: compatibilityDate(LOG_CONFIG),
          kvNamespaces: { log_state: "log_state" },
          r2Buckets: { log_archive: "logs" },
          bindings: { ...configVars(LOG_CONFIG), TAIL_CAPTURE: "all", LOG_API_KEY: API_KEY },
        },
      ],
    });
    try {
      const logWorker = await w.mf.getWorker("log-worker");
      const kv = await w.mf.getKVNamespace("log_state", "log-worker");
      const expected = cell.invocations * (cell.lines + 1);
      const t0 = performance.now();
      const load = await runLoad({
        origin: w.origin,
        path: `/?lines=${cell.lines}`,
        method: "GET",
        concurrency: 4,
        durationMs: 600_000,
        maxRequests: cell.invocations,
      });
      if (load.ok !== cell.invocations) throw new Error(`tail: producer answered ${load.firstFailure}`);
      let stored = 0;
      while (performance.now() - t0 < SETTLE_MS) {
        stored = await storedEntries(kv);
        if (stored >= expected) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const seconds = (performance.now() - t0) / 1000;
      if (stored !== expected) {
        throw new Error(`tail: ${stored} of ${expected} entries stored after ${SETTLE_MS} ms`);
      }
      const res = await logWorker.fetch("http://log-worker/__bench/ops");
      const ops = /** @type {Record<string, { calls: number }>} */ (await res.json());
      const kvWrites = ops["kv.put"]?.calls ?? 0;
      const deliveries = ops.tail?.calls ?? 0;
      const row = {
        path: /** @type {const} */ ("miniflare"),
        linesPerInvocation: cell.lines,
        invocations: cell.invocations,
        entries: stored,
        seconds,
        entriesPerS: stored / seconds,
        invocationsPerS: cell.invocations / seconds,
        deliveries,
        kvWrites,
        writesPerInvocation: kvWrites / cell.invocations,
        writesPerDelivery: deliveries ? kvWrites / deliveries : Number.NaN,
      };
      rows.push(row);
      ctx.say(
        `tail: ${cell.lines} lines × ${cell.invocations}: ${Math.round(row.entriesPerS)} entries/s, ` +
          `${kvWrites} KV writes for ${deliveries} deliveries`,
      );
    } finally {
      await w.stop();
    }
  }
  return { rows };
}

/**
 * Entries stored so far: the sum of each batch's entry count in its list metadata.
 * @param {Awaited<ReturnType<import("miniflare").Miniflare["getKVNamespace"]>>} kv
 */
async function storedEntries(kv) {
  let n = 0;
  /** @type {string | undefined} */
  let cursor;
  do {
    const page = await kv.list({ prefix: "log:", cursor });
    for (const key of page.keys) n += /** @type {{ n?: number } | undefined} */ (key.metadata)?.n ?? 0;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return n;
}
