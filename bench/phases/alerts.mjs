// Issue 12: what one alert tick costs. A counted log-worker (op-counter.ts)
// holds N batches received in the last minutes (the worst case for rules: all
// inside their window); one drain-cron tick, which runs the alerts after the
// (idle) archive check, is counted call by call. Three settings: built-in
// alerts only, a level + service rule (decided from KV list metadata), and a
// text rule (`q`, which needs batch bodies, read in bounded bulk gets).
// Each setting restarts the worker on the same local state with other vars.
import { createServer } from "node:http";
import { runLoad } from "../load.mjs";
import { API_KEY, startLogWorker } from "../targets.mjs";

/**
 * @typedef {object} AlertsRow
 * @property {"miniflare"} path
 * @property {string} setting
 * @property {number} batches         waiting in KV, all received within the rules' window
 * @property {number} kvLists
 * @property {number} kvGets          bulk get calls
 * @property {number} kvKeysRead      keys those gets read
 * @property {number} r2Ops
 * @property {number} kvOpsPer1000    (lists + get calls) per 1,000 waiting batches
 * @property {number} deliveries      webhook requests the receiver got
 */

const SETTINGS = [
  { setting: "built-in alerts only", rules: "" },
  {
    setting: "+ level/service rule",
    rules: JSON.stringify([{ name: "api errors", service: "bench-api", threshold: 10, windowMinutes: 15 }]),
  },
  {
    setting: "+ text rule (q)",
    rules: JSON.stringify([{ name: "timeouts", q: "timeout", threshold: 1_000, windowMinutes: 15 }]),
  },
];

/** 10 entries per request, one an error from bench-api; one request in 50 mentions a timeout. */
function bodies() {
  return Array.from({ length: 50 }, (_, v) =>
    Buffer.from(
      JSON.stringify(
        Array.from({ length: 10 }, (_, i) =>
          i === 0
            ? { level: "error", service: "bench-api", message: v === 0 ? "upstream timeout" : "upstream 502" }
            : { level: "info", service: "bench-api", message: `GET /items/${v}.${i} 200` },
        ),
      ),
    ),
  );
}

/** @param {import("../context.mjs").BenchContext} ctx */
export async function alertsPhase(ctx) {
  const sizes = ctx.settings.quick ? [1_000] : [1_000, 5_000];
  let deliveries = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      deliveries++;
      res.end("ok");
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", () => resolve(undefined)));
  const port = /** @type {import("node:net").AddressInfo} */ (receiver.address()).port;
  const script = await ctx.bundle("logWorkerCounted");
  /** @type {AlertsRow[]} */
  const rows = [];
  try {
    for (const size of sizes) {
      const state = ctx.stateDir(`alerts-${size}`);
      let seeded = false;
      for (const { setting, rules } of SETTINGS) {
        const w = await startLogWorker(`alerts-${size}`, state, script, {
          ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
          ALERT_RULES: rules,
        });
        try {
          if (!seeded) {
            ctx.say(`alerts: seeding ${size} batches`);
            const seed = await runLoad({
              origin: w.origin,
              path: "/log",
              headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
              bodies: bodies(),
              concurrency: 16,
              durationMs: 600_000,
              maxRequests: size,
            });
            if (seed.ok !== size) throw new Error(`alerts: seeding got ${seed.ok} of ${size} 2xx`);
            seeded = true;
            // KV list() in local mode is immediate; in production a tick sees keys ~60 s late at most.
          }
          await fetch(`${w.origin}/__bench/ops`, { method: "DELETE" }).then((r) => r.arrayBuffer());
          const before = deliveries;
          const worker = await w.mf.getWorker();
          await worker.scheduled({ cron: "*/5 * * * *", scheduledTime: new Date() });
          /** @type {import("../pricing.mjs").OpCounts} */
          const ops = await fetch(`${w.origin}/__bench/ops`).then((r) => r.json());
          const n = (/** @type {string} */ op, /** @type {"calls" | "keys"} */ what = "calls") =>
            ops[op]?.[what] ?? 0;
          const kvLists = n("kv.list");
          const kvGets = n("kv.get");
          const r2Ops = Object.entries(ops)
            .filter(([op]) => op.startsWith("r2."))
            .reduce((a, [, c]) => a + c.calls, 0);
          rows.push({
            path: "miniflare",
            setting,
            batches: size,
            kvLists,
            kvGets,
            kvKeysRead: n("kv.get", "keys"),
            r2Ops,
            kvOpsPer1000: ((kvLists + kvGets) / size) * 1000,
            deliveries: deliveries - before,
          });
          ctx.say(`alerts: ${size} batches, ${setting}: ${kvLists} lists, ${kvGets} gets, ${r2Ops} R2 ops`);
        } finally {
          await w.stop();
        }
      }
    }
  } finally {
    receiver.close();
  }
  return { rows };
}
