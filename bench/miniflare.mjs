// Runs workers in workerd through the `Miniflare` class: the runtime a deployed
// worker sees, without wrangler dev's proxy in front (see README, "Paths").
import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { childProcesses, track } from "./processes.mjs";

/** @typedef {Parameters<typeof convertV4MiniflareOptions>[0]} MiniflareV4Options */

/**
 * @typedef {object} RunningMiniflare
 * @property {string} label
 * @property {Miniflare} mf
 * @property {string} origin   e.g. http://127.0.0.1:41234
 * @property {number} pid      the workerd process serving it
 * @property {string[]} logs   the last lines the workers printed
 * @property {() => Promise<void>} stop
 */

/** Pids of the workerd processes this Node process started. */
export function workerdChildren() {
  return childProcesses()
    .filter((c) => c.comm === "workerd")
    .map((c) => c.pid);
}

const MAX_LOG_LINES = 200;

/**
 * Module names are paths relative to `modulesRoot` (default: the cwd), and a
 * bundle in a temp directory would need "..", which workerd refuses: root each
 * worker at its script's directory.
 * @param {MiniflareV4Options} options
 * @returns {MiniflareV4Options}
 */
function withModulesRoot(options) {
  /** @param {any} worker */
  const rooted = (worker) =>
    worker.scriptPath && !worker.modulesRoot
      ? { ...worker, modulesRoot: dirname(worker.scriptPath) }
      : worker;
  const o = /** @type {any} */ (options);
  return o.workers ? { ...o, workers: o.workers.map(rooted) } : rooted(o);
}

/**
 * Starts one Miniflare instance (one workerd process) and finds its pid.
 * Start instances one at a time: the pid is the workerd child that appeared.
 * The dev registry stays off (the v4 converter's default), so nothing here is
 * visible to, or disturbed by, another engineer's `wrangler dev`.
 * @param {string} label
 * @param {MiniflareV4Options} options
 * @returns {Promise<RunningMiniflare>}
 */
export async function startMiniflare(label, options) {
  const before = new Set(workerdChildren());
  /** @type {string[]} */
  const logs = [];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...withModulesRoot(options),
      // Workers' console output is kept (for error reports), not printed over the table.
      handleStructuredLogs: (/** @type {{ level: string, message: string }} */ log) => {
        logs.push(`${log.level}: ${log.message}`);
        if (logs.length > MAX_LOG_LINES) logs.shift();
      },
    }),
  );
  /** @type {number[]} */
  const pids = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    untrack();
    await mf.dispose();
  };
  const untrack = track({ label: `miniflare ${label}`, stop, pids, group: false });
  try {
    const url = await mf.ready;
    pids.push(...workerdChildren().filter((pid) => !before.has(pid)));
    if (pids.length !== 1) {
      throw new Error(`${label}: expected one new workerd process, found ${pids.length}`);
    }
    return { label, mf, origin: url.origin, pid: /** @type {number} */ (pids[0]), logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
