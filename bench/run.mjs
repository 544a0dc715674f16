// `pnpm bench`: throughput, caller overhead, archive speed, memory and cost per
// million logs, all from one run on this machine. Starts every worker it needs
// (workerd under Miniflare; wrangler dev for the context row), stops every
// process it started on every way out, prints one report and writes the same
// figures to bench/results/<timestamp>.json and bench/results/latest.json.
//
//   pnpm bench                      the full run (about 5 minutes on 2 cores)
//   pnpm bench -- --quick           short cells, for development only
//   pnpm bench -- --only ingest,cost
//   pnpm bench -- --state-dir /dev/shm   local KV/R2 state on tmpfs instead of the OS temp dir
//   pnpm bench -- --only archive --archive-sizes 10000,100000,300000   more backlog sizes
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/wrangler-dev.mjs";
import { benchSettings, createContext } from "./context.mjs";
import { describeMachine } from "./machine.mjs";
import { workerdChildren } from "./miniflare.mjs";
import { alertsPhase } from "./phases/alerts.mjs";
import { archivePhase } from "./phases/archive.mjs";
import { callerPhase } from "./phases/caller.mjs";
import { costPhase } from "./phases/cost.mjs";
import { ingestPhase } from "./phases/ingest.mjs";
import { searchPhase } from "./phases/search.mjs";
import { wranglerDevPhase } from "./phases/wrangler-dev.mjs";
import { installExitHandlers, stillRunning, stopAll } from "./processes.mjs";
import { renderReport, renderSnippet } from "./report.mjs";

const PHASES = {
  ingest: ingestPhase,
  caller: callerPhase,
  archive: archivePhase,
  cost: costPhase,
  wranglerDev: wranglerDevPhase,
  search: searchPhase,
  alerts: alertsPhase,
};
/** @typedef {keyof typeof PHASES} PhaseName */

const LOAD_GENERATOR =
  "in-process loop over undici Pool (keep-alive, one connection per concurrent request), timed with performance.now()";
/** The whole run is bounded: past this, everything is stopped and the run fails. */
const WATCHDOG_MS = 15 * 60_000;

// `pnpm bench -- --quick` passes the "--" through; `npm run bench -- --quick` does not.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === "--" ? argv.slice(1) : argv,
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "state-dir": { type: "string" },
    "archive-sizes": { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: pnpm bench [-- --quick] [--only ingest,caller,archive,cost,wranglerDev,search,alerts] [--state-dir <dir>] [--archive-sizes 10000,100000]",
  );
  process.exit(0);
}
const selected = /** @type {PhaseName[]} */ (values.only ? values.only.split(",") : Object.keys(PHASES));
for (const name of selected) {
  if (!(name in PHASES)) {
    console.error(`unknown phase ${name}; phases: ${Object.keys(PHASES).join(", ")}`);
    process.exit(2);
  }
}

const say = (/** @type {string} */ message) => process.stderr.write(`bench: ${message}\n`);
installExitHandlers(say);
setTimeout(() => {
  say(`watchdog: ${WATCHDOG_MS / 60_000} minutes passed; stopping everything`);
  stopAll().finally(() => process.exit(124));
}, WATCHDOG_MS).unref();

const started = performance.now();
const startedAt = new Date().toISOString();
const machine = describeMachine();
const settings = benchSettings(values.quick ?? false);
if (values["archive-sizes"]) {
  settings.archive.sizes = values["archive-sizes"].split(",").map(Number);
  if (
    settings.archive.sizes.some(
      (n) => !Number.isInteger(n) || n <= 0 || n % settings.archive.entriesPerRequest,
    )
  ) {
    console.error(
      `--archive-sizes: positive multiples of ${settings.archive.entriesPerRequest}, comma-separated`,
    );
    process.exit(2);
  }
}
const stateRoot = values["state-dir"] ?? tmpdir();
const tmp = mkdtempSync(join(stateRoot, "log-service-bench-"));
// Also on Ctrl-C and the watchdog (exit handlers run after every process was stopped).
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const ctx = createContext(tmp, settings, say);

/** @type {import("./report.mjs").BenchResults["phases"]} */
const phases = {};
/** @type {Record<string, string>} */
const errors = {};
try {
  for (const name of selected) {
    const t0 = performance.now();
    try {
      phases[name] = /** @type {any} */ (await PHASES[name](ctx));
    } catch (err) {
      errors[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
      say(`${name} FAILED: ${errors[name]}`);
    }
    say(`${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
}

/** @type {import("./report.mjs").BenchResults} */
const results = {
  startedAt,
  durationS: (performance.now() - started) / 1000,
  machine,
  settings,
  stateDir: stateRoot,
  loadGenerator: LOAD_GENERATOR,
  phases,
  errors,
};

console.log(renderReport(results));

const outDir = join(ROOT, "bench", "results");
mkdirSync(outDir, { recursive: true });
const json = `${JSON.stringify(results, null, 2)}\n`;
const file = join(outDir, `${startedAt.replaceAll(":", "-").replace(/\.\d+Z$/, "Z")}.json`);
writeFileSync(file, json);
writeFileSync(join(outDir, "latest.json"), json);
writeFileSync(join(outDir, "README-snippet.md"), `${renderSnippet(results)}\n`);
say(`wrote ${file}, bench/results/latest.json and bench/results/README-snippet.md`);

const leftovers = [
  ...stillRunning().filter((e) => e.pids.length),
  ...workerdChildren().map((pid) => ({ pid })),
];
if (leftovers.length) say(`WARNING: still running after the run: ${JSON.stringify(leftovers)}`);
process.exit(Object.keys(errors).length ? 1 : 0);
