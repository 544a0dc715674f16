// Issue 5, figure 4: how fast one archive run moves a backlog from KV to R2,
// and whether workerd's memory grows with the backlog. Each size gets a fresh
// log-worker under Miniflare with ARCHIVE_OPS_BUDGET raised (a binding value,
// the same as `--var ARCHIVE_OPS_BUDGET:1000000` to wrangler dev) so that one
// POST /flush archives everything; the flush is what is timed. The same
// batches are also moved by a reference worker that only lists, bulk-gets,
// writes one R2 object and deletes (bench/workers/archive-reference.js), and
// the flush's speed is reported as a ratio to it.
import { makeBodies } from "../entries.mjs";
import { countKeys } from "../kv-count.mjs";
import { requestJson, runLoad } from "../load.mjs";
import { readRss, sampleRss } from "../rss.mjs";
import { API_KEY, startArchiveStack } from "../targets.mjs";

export const ARCHIVE_BENCH_BUDGET = "1000000";

/**
 * @typedef {object} ArchiveRow
 * @property {"miniflare"} path
 * @property {number} entries        archived by the run
 * @property {number} keys           KV batches (entries / 10)
 * @property {number} objects        R2 archive objects written
 * @property {number} seconds        POST /flush, request to response
 * @property {number} entriesPerS
 * @property {number} referenceSeconds   the reference run over the same batches
 * @property {number} referenceEntriesPerS
 * @property {number} vsReference        entriesPerS ÷ referenceEntriesPerS
 * @property {number} ops            KV + R2 operations the run made (its own count)
 * @property {number} rssBefore      workerd VmRSS just before the flush, bytes
 * @property {number} rssPeak        highest sample during the flush
 * @property {number} rssGrowth      peak − before
 * @property {number} rssSamples
 * @property {number} leftInKv       `log:` keys left after the run (must be 0)
 */

/** @param {import("../context.mjs").BenchContext} ctx */
export async function archivePhase(ctx) {
  const s = ctx.settings.archive;
  const script = await ctx.bundle("logWorker");
  /** @type {ArchiveRow[]} */
  const rows = [];
  for (const size of s.sizes) {
    ctx.say(`archive: seeding ${size.toLocaleString("en-US")} entries through POST /log`);
    const w = await startArchiveStack(ctx.stateDir(`archive-${size}`), script, {
      ARCHIVE_OPS_BUDGET: ARCHIVE_BENCH_BUDGET,
    });
    try {
      const requests = size / s.entriesPerRequest;
      const seed = await runLoad({
        origin: w.origin,
        path: "/log",
        headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
        bodies: makeBodies(s.entriesPerRequest, 64),
        concurrency: s.seedConcurrency,
        durationMs: 600_000,
        maxRequests: requests,
      });
      if (seed.ok !== requests) {
        throw new Error(`archive: seeding got ${seed.ok} of ${requests} 2xx (${seed.firstFailure})`);
      }
      const reference = await referenceRun(w, size / s.entriesPerRequest);
      ctx.say(`archive: reference moved ${size} entries in ${reference.seconds.toFixed(2)} s`);

      // Let the seeding's garbage settle, then take the baseline from a few samples.
      await new Promise((r) => setTimeout(r, 1_000));
      const baseline = [];
      for (let i = 0; i < 5; i++) {
        baseline.push(readRss(w.pid));
        await new Promise((r) => setTimeout(r, s.rssIntervalMs));
      }
      const rssBefore = Math.max(...baseline);

      ctx.say(`archive: POST /flush of ${size.toLocaleString("en-US")} entries`);
      const sampler = sampleRss(w.pid, s.rssIntervalMs);
      const t0 = performance.now();
      const flush = await requestJson(`${w.origin}/flush`, {
        method: "POST",
        headers: { "X-API-Key": API_KEY, "X-Worker-Request": "true" },
      });
      const seconds = (performance.now() - t0) / 1000;
      const rss = sampler.stop();
      if (flush.status !== 200 || flush.body.remaining !== false || flush.body.archived !== size) {
        throw new Error(
          `archive: /flush answered ${flush.status} ${JSON.stringify(flush.body).slice(0, 500)}`,
        );
      }
      const stats = await requestJson(`${w.origin}/debug/stats`, { headers: { "X-API-Key": API_KEY } });
      const kv = await w.mf.getKVNamespace("log_state");
      const row = {
        path: /** @type {const} */ ("miniflare"),
        entries: flush.body.archived,
        keys: flush.body.keys,
        objects: flush.body.objects.length,
        seconds,
        entriesPerS: flush.body.archived / seconds,
        referenceSeconds: reference.seconds,
        referenceEntriesPerS: size / reference.seconds,
        vsReference: flush.body.archived / seconds / (size / reference.seconds),
        ops: stats.body?.lastRun?.ops ?? Number.NaN,
        rssBefore,
        rssPeak: rss.peak,
        rssGrowth: rss.peak - rssBefore,
        rssSamples: rss.samples,
        leftInKv: await countKeys(kv, "log:"),
      };
      rows.push(row);
      ctx.say(
        `archive: ${size} entries in ${seconds.toFixed(2)} s (${row.vsReference.toFixed(2)}× the reference), RSS +${(row.rssGrowth / 2 ** 20).toFixed(1)} MiB`,
      );
    } finally {
      await w.stop();
    }
  }
  return { budget: Number(ARCHIVE_BENCH_BUDGET), rows };
}

/**
 * Copies the seeded batches (untimed), then times the reference moving them.
 * @param {import("../miniflare.mjs").RunningMiniflare} w
 * @param {number} keys   batches seeded
 */
async function referenceRun(w, keys) {
  const reference = await w.mf.getWorker("bench-archive-reference");
  /** @param {string} path */
  const post = async (path) => {
    const res = await reference.fetch(`http://reference${path}`, { method: "POST" });
    const body = /** @type {any} */ (await res.json());
    if (res.status !== 200 || body.keys !== keys) {
      throw new Error(`archive: reference ${path} answered ${res.status} ${JSON.stringify(body)}`);
    }
  };
  await post("/copy");
  const t0 = performance.now();
  await post("/run");
  return { seconds: (performance.now() - t0) / 1000 };
}
