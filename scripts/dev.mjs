// `npm run dev`: log-worker on :8787 and auth-worker on :8788, with local KV and
// R2 persisted under .wrangler/state and the service binding between them
// connected through wrangler's local dev registry. Ctrl-C stops both.
// Overrides: LOG_WORKER_PORT, AUTH_WORKER_PORT, LOG_WORKER_INSPECTOR_PORT,
// AUTH_WORKER_INSPECTOR_PORT, DEV_PERSIST_TO (state directory).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureDevVars, ROOT, startWorker } from "./lib/wrangler-dev.mjs";

const env = process.env;
const logPort = Number(env.LOG_WORKER_PORT ?? 8787);
const authPort = Number(env.AUTH_WORKER_PORT ?? 8788);
// Local KV/R2 state; another directory gives a second, separate dev stack.
const persistTo = env.DEV_PERSIST_TO ?? join(ROOT, ".wrangler", "state");

if (ensureDevVars()) {
  console.log("Created .dev.vars from .dev.vars.example (local secrets; never commit it).");
}

// Every worker is stopped on SIGINT/SIGTERM (or when one exits), whatever
// phase we are in: a worker still starting is stopped through the abort
// signal, one that is up through its stop(). Each wrangler runs in its own
// process group, so a terminal's Ctrl-C reaches only this process; the exit
// waits until every group is empty, so no port stays held.
const shutdown = new AbortController();
/** @type {Promise<unknown>[]} */
const starts = [];
/** @type {import("./lib/wrangler-dev.mjs").WorkerProcess[]} */
const running = [];
const stopAll = async (/** @type {number} */ code) => {
  if (shutdown.signal.aborted) return;
  shutdown.abort(new Error("npm run dev is stopping"));
  await Promise.allSettled([...starts, ...running.map((w) => w.stop())]);
  process.exit(code);
};
// A second signal (Ctrl-C reaches both npm and this process, and npm
// forwards it) changes nothing: the first one's shutdown is under way.
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
process.on("SIGHUP", () => stopAll(0));
// npm and pnpm run scripts through `sh -c`; the script says `exec` so that the
// signal they forward reaches this process. Should a parent die without
// forwarding anything, we are re-parented: stop as well rather than linger.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stopAll(0);
}, 1_000).unref();

/** Starts one worker, tracked from its spawn so a signal at any point stops it. */
async function start(/** @type {Parameters<typeof startWorker>[0]} */ options) {
  const started = startWorker({ ...options, persistTo, echo: true, signal: shutdown.signal });
  starts.push(started);
  const worker = await started;
  running.push(worker);
}

try {
  await start({
    name: "log-worker",
    config: "wrangler.logworker.toml",
    port: logPort,
    // --test-scheduled exposes /__scheduled so the cron can be triggered by hand.
    args: ["--test-scheduled", "--inspector-port", env.LOG_WORKER_INSPECTOR_PORT ?? "9229"],
  });
  if (existsSync(join(ROOT, "wrangler.auth.toml"))) {
    await start({
      name: "auth-worker",
      config: "wrangler.auth.toml",
      port: authPort,
      args: ["--inspector-port", env.AUTH_WORKER_INSPECTOR_PORT ?? "9230"],
    });
  }
} catch (err) {
  // Interrupted while starting: the signal handler is stopping everything and exits.
  if (shutdown.signal.aborted) await new Promise(() => {});
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}

console.log(`
log-worker   http://localhost:${logPort}   (API key: LOG_API_KEY in .dev.vars)
log viewer   http://localhost:${logPort}/  (paste the API key)
auth-worker  http://localhost:${authPort}
Trigger the archive cron:  curl "http://localhost:${logPort}/__scheduled?cron=0+0+*+*+*"
Ctrl-C stops both.
`);

// If either exits on its own, stop the other and exit with its code.
const first = await Promise.race(running.map((w) => w.exited.then((code) => ({ w, code }))));
if (!shutdown.signal.aborted) {
  console.error(`${first.w.name} exited (code ${first.code}); stopping.`);
  await stopAll(first.code ?? 1);
}
