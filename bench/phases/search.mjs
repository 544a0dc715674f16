// Issue 10: what GET /debug/logs reads from the archive. One workerd process
// runs log-worker and a seeding worker (bench/workers/search-seed.ts) on the same
// local R2 bucket; the seeder writes archive objects with the product's own
// writer (blocks, index, customMetadata), so millions of entries are archived in
// seconds instead of being POSTed and flushed. Figures:
//   1. a request-id lookup over 30 archived days: bytes read ÷ archived bytes in the range (goal ≤ 5%)
//   2. a one-hour window inside a day of 1,000,000 entries: bytes read ÷ that day's bytes (goal ≤ 10%)
//   3. a full-text q= scan of that day: entries/s ÷ a bare gunzip + line split of the same objects (goal ≥ 0.7)
// Every search follows the cursor until null; bytes, entries and objects skipped
// are the sums of the pages' `scanned`.
import { join } from "node:path";
import { bundleEntry, compatibilityDate } from "../bundle.mjs";
import { API_KEY, LOG_CONFIG, startSearchStack } from "../targets.mjs";

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 9, 1); // 30 days from 2026-10-01
const BIG_DAY = Date.UTC(2026, 10, 15);
/** Entries per object of the big day: ten objects, each a consecutive slice of the day, as the archive cuts them. */
const ENTRIES_PER_OBJECT = 100_000;
// Must match bench/workers/search-seed.ts.
const NEEDLE = "payment declined: card expired";
const NEEDLE_EVERY = 50_000;

/**
 * @typedef {object} SearchRow
 * @property {string} figure
 * @property {number} pages
 * @property {number} found          entries answered
 * @property {number} bytesRead      KV + R2 bytes the pages read (objects, ranges, indexes)
 * @property {number} bytesInRange   archive objects' bytes in the range
 * @property {number} indexBytesInRange
 * @property {number} objectsInRange
 * @property {number} objectsSkipped objects no byte of which was read beyond the listing
 * @property {number} blocksRead
 * @property {number} blocksSkipped
 * @property {number} entriesScanned
 * @property {number} seconds
 * @property {number} entriesPerS
 */

/** @param {number} ms */
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
/** @param {number} ms @param {number} n */
const segment = (ms, n) => `${String(ms).padStart(13, "0")}-${n.toString(16).padStart(20, "0")}`;

/** @param {import("../context.mjs").BenchContext} ctx */
export async function searchPhase(ctx) {
  const quick = ctx.settings.quick;
  const perDay = quick ? 5_000 : 40_000;
  const bigDay = quick ? 100_000 : 1_000_000;
  const scripts = {
    logWorker: await ctx.bundle("logWorker"),
    seed: await bundleEntry({
      name: "bench-search-seed",
      main: "bench/workers/search-seed.ts",
      compatibilityDate: compatibilityDate(LOG_CONFIG),
      outdir: join(ctx.tmp, "bundles", "search-seed"),
    }),
  };
  const w = await startSearchStack(ctx.stateDir("search"), scripts);
  try {
    const seeder = await w.mf.getWorker("bench-search-seed");
    /** @param {Record<string, string | number>} params */
    const seed = async (params) => {
      const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      const res = await seeder.fetch(`http://seed/seed?${qs}`, { method: "POST" });
      if (res.status !== 200) throw new Error(`search: seeding answered ${res.status}: ${await res.text()}`);
      return /** @type {{ key: string, size: number, entries: number, blocks: number }} */ (await res.json());
    };

    ctx.say(`search: seeding 30 days × ${perDay.toLocaleString("en-US")} entries`);
    /** @type {{ key: string, size: number, entries: number, blocks: number }[]} */
    const month = [];
    for (let i = 0; i < 30; i++) {
      const start = FIRST_DAY + i * DAY_MS;
      month.push(
        await seed({
          date: day(start),
          start,
          end: start + DAY_MS,
          entries: perDay,
          segment: segment(start, i),
        }),
      );
    }
    ctx.say(`search: seeding one day of ${bigDay.toLocaleString("en-US")} entries`);
    /** @type {{ key: string, size: number, entries: number, blocks: number }[]} */
    const big = [];
    const objects = Math.ceil(bigDay / ENTRIES_PER_OBJECT);
    const slice = DAY_MS / objects;
    for (let k = 0; k < objects; k++) {
      const start = BIG_DAY + k * slice;
      const entries = Math.min(ENTRIES_PER_OBJECT, bigDay - k * ENTRIES_PER_OBJECT);
      big.push(
        await seed({
          date: day(BIG_DAY),
          start,
          end: start + slice,
          entries,
          segment: segment(start, 100 + k),
        }),
      );
    }
    const bucket = await w.mf.getR2Bucket("log_archive");
    /** @param {{ key: string }[]} list */
    const indexBytes = async (list) => {
      let bytes = 0;
      for (const o of list)
        bytes +=
          (await bucket.head(o.key.replace(/^logs\//, "_index/").replace(/\.ndjson\.gz$/, ".json")))?.size ??
          0;
      return bytes;
    };

    /**
     * Follows the cursor to null.
     * @param {string} figure
     * @param {Record<string, string>} params
     * @param {{ key: string, size: number }[]} inRange
     * @returns {Promise<SearchRow>}
     */
    const walk = async (figure, params, inRange) => {
      const totals = { pages: 0, found: 0, bytes: 0, skipped: 0, blocks: 0, blocksSkipped: 0, entries: 0 };
      let cursor = null;
      const t0 = performance.now();
      do {
        const qs = new URLSearchParams(cursor ? { ...params, cursor } : params);
        const res = await fetch(`${w.origin}/debug/logs?${qs}`, { headers: { "X-API-Key": API_KEY } });
        const body = /** @type {any} */ (await res.json());
        if (res.status !== 200)
          throw new Error(`search: ${figure} answered ${res.status} ${JSON.stringify(body)}`);
        totals.pages++;
        totals.found += body.logs.length;
        totals.bytes += body.scanned.bytes;
        totals.skipped += body.scanned.r2ObjectsSkipped;
        totals.blocks += body.scanned.r2Blocks;
        totals.blocksSkipped += body.scanned.r2BlocksSkipped;
        totals.entries += body.scanned.entries;
        cursor = body.cursor;
      } while (cursor);
      const seconds = (performance.now() - t0) / 1000;
      return {
        figure,
        pages: totals.pages,
        found: totals.found,
        bytesRead: totals.bytes,
        bytesInRange: inRange.reduce((n, o) => n + o.size, 0),
        indexBytesInRange: await indexBytes(inRange),
        objectsInRange: inRange.length,
        objectsSkipped: totals.skipped,
        blocksRead: totals.blocks,
        blocksSkipped: totals.blocksSkipped,
        entriesScanned: totals.entries,
        seconds,
        entriesPerS: totals.entries / seconds,
      };
    };

    ctx.say("search: request-id lookup over 30 days");
    const wanted = `${segment(FIRST_DAY + 14 * DAY_MS, 14)}-${Math.floor(perDay / 10)}`; // mid-day, 5 entries
    const lookup = await walk(
      "request-id lookup, 30 days",
      {
        since: new Date(FIRST_DAY).toISOString(),
        until: new Date(FIRST_DAY + 30 * DAY_MS - 1).toISOString(),
        requestId: wanted,
      },
      month,
    );
    if (lookup.found !== 5)
      throw new Error(`search: the request-id lookup found ${lookup.found} entries, not 5`);

    ctx.say("search: one hour of the big day");
    const hourStart = BIG_DAY + 12 * 3600_000;
    const hour = await walk(
      "one hour of a 1,000,000-entry day",
      {
        since: new Date(hourStart).toISOString(),
        until: new Date(hourStart + 3600_000 - 1).toISOString(),
        limit: "1000",
      },
      big,
    );
    const perHour = Math.round(bigDay / 24);
    if (Math.abs(hour.found - perHour) > 2)
      throw new Error(`search: the hour has ${hour.found} entries, not ~${perHour}`);

    ctx.say("search: full-text scan of the big day, and the bare gunzip reference");
    const dayRange = {
      since: new Date(BIG_DAY).toISOString(),
      until: new Date(BIG_DAY + DAY_MS - 1).toISOString(),
    };
    const bare = async () => {
      const t0 = performance.now();
      const res = await seeder.fetch("http://seed/bare", {
        method: "POST",
        body: JSON.stringify(big.map((o) => o.key)),
      });
      const body = /** @type {{ lines: number, bytes: number }} */ (await res.json());
      return { ...body, seconds: (performance.now() - t0) / 1000 };
    };
    // Warm both paths, then take the better of two rounds each, alternating.
    await bare();
    const scans = [];
    const bares = [];
    for (let round = 0; round < 2; round++) {
      scans.push(
        await walk(
          "full-text q= scan of that day",
          { ...dayRange, q: NEEDLE.toUpperCase(), limit: "1000" },
          big,
        ),
      );
      bares.push(await bare());
    }
    const scan = scans.reduce((a, b) => (b.entriesPerS > a.entriesPerS ? b : a));
    const reference = bares.reduce((a, b) => (b.lines / b.seconds > a.lines / a.seconds ? b : a));
    const expectedHits = Math.floor(bigDay / NEEDLE_EVERY);
    if (scan.found !== expectedHits)
      throw new Error(`search: the q= scan found ${scan.found}, not ${expectedHits}`);
    if (reference.lines !== bigDay)
      throw new Error(`search: bare split ${reference.lines} lines, not ${bigDay}`);

    return {
      rows: [lookup, hour, scan],
      bare: {
        entries: reference.lines,
        bytes: reference.bytes,
        seconds: reference.seconds,
        entriesPerS: reference.lines / reference.seconds,
      },
      settings: { days: 30, perDay, bigDay, entriesPerObject: ENTRIES_PER_OBJECT },
    };
  } finally {
    await w.stop();
  }
}
