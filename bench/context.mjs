// What every phase receives: where to keep state, how long to run, the bundles.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bundleConfig, bundleEntry, compatibilityDate } from "./bundle.mjs";
import { AUTH_CONFIG, LOG_CONFIG } from "./targets.mjs";

/**
 * How long and how much each phase runs. `quick` is for development on a busy
 * machine: same shape, smaller numbers; its figures are not for publishing.
 * @param {boolean} quick
 */
export function benchSettings(quick) {
  return {
    quick,
    ingest: {
      entriesPerRequest: [1, 10, 100],
      concurrency: [1, 32],
      warmupMs: quick ? 200 : 500,
      // Per target and cell, split into `rounds` runs interleaved with the other targets;
      // ratios between targets are the median of their per-round ratios (report.mjs).
      durationMs: quick ? 1_000 : 4_000,
      rounds: quick ? 2 : 6,
      maxRequests: 60_000,
    },
    caller: {
      // Logging on and off alternate in rounds, so drift on a shared machine hits both alike.
      rounds: quick ? 2 : 4,
      loginMs: quick ? 1_000 : 3_000,
      meMs: quick ? 500 : 2_000,
      // Think time of the paced rows: longer than one request's logging takes.
      pauseMs: 10,
      maxRequests: 60_000,
    },
    archive: {
      // A third, larger backlog shows whether memory keeps growing with it.
      sizes: quick ? [2_000, 10_000] : [10_000, 100_000, 300_000],
      entriesPerRequest: 10,
      seedConcurrency: 16,
      rssIntervalMs: 50,
    },
    cost: {
      entriesPerRequest: [1, 10, 100],
      // Entries measured per batch size, then scaled to 1,000,000.
      oursEntries: quick ? 2_000 : 10_000,
      // The single index is rewritten whole on every request (quadratic bytes),
      // so it is measured on fewer entries; its operation counts are linear.
      singleIndexEntries: quick ? 500 : 2_000,
    },
    wranglerDev: {
      entriesPerRequest: 10,
      concurrency: 32,
      warmupMs: quick ? 200 : 500,
      durationMs: quick ? 1_000 : 4_000,
      maxRequests: 60_000,
    },
  };
}

/** @typedef {ReturnType<typeof benchSettings>} BenchSettings */
/** @typedef {"logWorker" | "singleIndex" | "logWorkerCounted" | "singleIndexCounted" | "auth"} BundleName */

/**
 * @typedef {object} BenchContext
 * @property {string} tmp                       the run's scratch directory (removed at the end)
 * @property {BenchSettings} settings
 * @property {(name: BundleName) => Promise<string>} bundle   bundled module path (built once)
 * @property {(label: string) => string} stateDir  a fresh persistence directory under tmp
 * @property {(message: string) => void} say    progress line (stderr)
 */

/**
 * @param {string} tmp
 * @param {BenchSettings} settings
 * @param {(message: string) => void} say
 * @returns {BenchContext}
 */
export function createContext(tmp, settings, say) {
  /** @type {Map<BundleName, Promise<string>>} */
  const built = new Map();
  const date = compatibilityDate(LOG_CONFIG);
  /** @type {Record<BundleName, () => Promise<string>>} */
  const recipes = {
    logWorker: () => bundleConfig(LOG_CONFIG, join(tmp, "bundles", "log-worker")),
    auth: () => bundleConfig(AUTH_CONFIG, join(tmp, "bundles", "auth-worker")),
    singleIndex: () =>
      bundleEntry({
        name: "bench-single-index",
        main: "bench/workers/single-index-design.ts",
        compatibilityDate: date,
        outdir: join(tmp, "bundles", "single-index"),
      }),
    logWorkerCounted: () =>
      bundleEntry({
        name: "bench-log-worker-counted",
        main: "bench/workers/log-worker-counted.ts",
        compatibilityDate: date,
        outdir: join(tmp, "bundles", "log-worker-counted"),
      }),
    singleIndexCounted: () =>
      bundleEntry({
        name: "bench-single-index-counted",
        main: "bench/workers/single-index-counted.ts",
        compatibilityDate: date,
        outdir: join(tmp, "bundles", "single-index-counted"),
      }),
  };
  let states = 0;
  return {
    tmp,
    settings,
    say,
    bundle(name) {
      let promise = built.get(name);
      if (!promise) {
        promise = recipes[name]();
        built.set(name, promise);
      }
      return promise;
    },
    stateDir(label) {
      const dir = join(tmp, "state", `${++states}-${label}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
