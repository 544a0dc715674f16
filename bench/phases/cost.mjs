// Issue 5, figure 5: dollars per 1,000,000 entries over their whole life in
// KV (ingest → archive to R2 → delete from KV), from counted binding calls.
// Both designs run under Miniflare with their KV and R2 bindings wrapped by a
// counting proxy (bench/workers/op-counter.ts); each is measured on a smaller
// number of entries and scaled linearly to 1,000,000.

import { configVars } from "../bundle.mjs";
import { makeBodies } from "../entries.mjs";
import { countKeys } from "../kv-count.mjs";
import { requestJson, runLoad } from "../load.mjs";
import { addOps, billableOps, dollars, scaleOps } from "../pricing.mjs";
import { API_KEY, LOG_CONFIG, startLogWorker } from "../targets.mjs";

const MILLION = 1_000_000;
/**
 * Bytes one batch key adds to the single index's JSON: `"log:<13 digits>:<16 chars>",`
 * (store.ts's key format): 34 characters, two quotes and a comma.
 */
export const INDEX_BYTES_PER_KEY = 37;
/** KV's largest value, 25 MiB (DESIGN.md, platform facts). */
export const KV_MAX_VALUE_BYTES = 25 * 2 ** 20;
/** Most archive invocations one measurement may take before it is called stuck. */
const MAX_INVOCATIONS = 500;

/**
 * @typedef {object} CostRow
 * @property {"miniflare"} path
 * @property {"log-worker" | "single-index"} design
 * @property {number} entriesPerRequest
 * @property {number} measuredEntries
 * @property {number} requests
 * @property {number} seedConcurrency
 * @property {number} archiveInvocations   POST /flush calls until nothing remained
 * @property {{ ingest: import("../pricing.mjs").OpCounts, archive: import("../pricing.mjs").OpCounts }} counted  raw binding calls
 * @property {{ ingest: Record<string, number>, archive: Record<string, number>, total: Record<string, number> }} perMillion  billable ops per 1,000,000 entries
 * @property {{ ingest: number, archive: number, total: number }} dollarsPerMillion
 */

/** @param {import("../context.mjs").BenchContext} ctx */
export async function costPhase(ctx) {
  const s = ctx.settings.cost;
  const [ours, singleIndex] = await Promise.all([
    ctx.bundle("logWorkerCounted"),
    ctx.bundle("singleIndexCounted"),
  ]);
  const designs = [
    // log-worker at its shipped settings (wrangler.logworker.toml's ARCHIVE_OPS_BUDGET): the archive
    // takes as many invocations as a real drain would, each with its fixed costs.
    { design: /** @type {const} */ ("log-worker"), script: ours, entries: s.oursEntries, concurrency: 16 },
    // One request at a time: under concurrency this design loses index entries,
    // and lost entries would never be archived (nor billed). Here we price the
    // design working as intended.
    {
      design: /** @type {const} */ ("single-index"),
      script: singleIndex,
      entries: s.singleIndexEntries,
      concurrency: 1,
    },
  ];
  /** @type {CostRow[]} */
  const rows = [];
  for (const d of designs) {
    const w = await startLogWorker(`cost-${d.design}`, ctx.stateDir(`cost-${d.design}`), d.script);
    try {
      const ops = (/** @type {"GET" | "DELETE"} */ method) =>
        requestJson(`${w.origin}/__bench/ops`, { method }).then((r) => {
          if (r.status !== 200) throw new Error(`cost: /__bench/ops ${r.status}`);
          return /** @type {import("../pricing.mjs").OpCounts} */ (r.body);
        });
      for (const entriesPerRequest of s.entriesPerRequest) {
        const requests = Math.ceil(d.entries / entriesPerRequest);
        ctx.say(`cost: ${d.design}, ${entriesPerRequest}/req: ${requests} requests, then archive`);
        await ops("DELETE");
        const seed = await runLoad({
          origin: w.origin,
          path: "/log",
          headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
          bodies: makeBodies(entriesPerRequest),
          concurrency: d.concurrency,
          durationMs: 600_000,
          maxRequests: requests,
        });
        if (seed.ok !== requests) throw new Error(`cost: ${d.design} seeding: ${seed.firstFailure}`);
        const ingest = await ops("DELETE"); // read and reset

        let invocations = 0;
        for (;;) {
          if (++invocations > MAX_INVOCATIONS) throw new Error(`cost: ${d.design} archive did not finish`);
          const flush = await requestJson(`${w.origin}/flush`, {
            method: "POST",
            headers: { "X-API-Key": API_KEY },
          });
          if (flush.status !== 200) {
            throw new Error(`cost: ${d.design} /flush ${flush.status} ${JSON.stringify(flush.body)}`);
          }
          if (flush.body.remaining === false) break;
        }
        const archive = await ops("DELETE");
        const left = await countKeys(await w.mf.getKVNamespace("log_state"), "log:");
        if (left !== 0) throw new Error(`cost: ${d.design} left ${left} batches in KV after archiving`);

        const factor = MILLION / (requests * entriesPerRequest);
        const ingestOps = scaleOps(billableOps(ingest), factor);
        const archiveOps = scaleOps(billableOps(archive), factor);
        const totalOps = addOps(ingestOps, archiveOps);
        rows.push({
          path: "miniflare",
          design: d.design,
          entriesPerRequest,
          measuredEntries: requests * entriesPerRequest,
          requests,
          seedConcurrency: d.concurrency,
          archiveInvocations: invocations,
          counted: { ingest, archive },
          perMillion: { ingest: ingestOps, archive: archiveOps, total: totalOps },
          dollarsPerMillion: {
            ingest: dollars(ingestOps),
            archive: dollars(archiveOps),
            total: dollars(totalOps),
          },
        });
      }
    } finally {
      await w.stop();
    }
  }
  return {
    rows,
    opsBudget: Number(configVars(LOG_CONFIG).ARCHIVE_OPS_BUDGET),
    singleIndexAtMillion: singleIndexAtMillion(s.entriesPerRequest),
  };
}

/**
 * What the single index becomes over 1,000,000 entries: its final size, the
 * bytes its rewrites put in total (KV bills writes by count, not size, so the
 * dollars above do not show this), and whether it outgrows a KV value.
 * @param {number[]} entriesPerRequest
 */
function singleIndexAtMillion(entriesPerRequest) {
  return entriesPerRequest.map((e) => {
    const keys = Math.ceil(MILLION / e);
    const finalBytes = keys * INDEX_BYTES_PER_KEY;
    return {
      entriesPerRequest: e,
      keys,
      finalBytes,
      // The i-th request rewrites an index of i keys.
      rewrittenBytes: ((keys * (keys + 1)) / 2) * INDEX_BYTES_PER_KEY,
      fitsInOneValue: finalBytes <= KV_MAX_VALUE_BYTES,
      keysAtValueLimit: Math.floor(KV_MAX_VALUE_BYTES / INDEX_BYTES_PER_KEY),
    };
  });
}
