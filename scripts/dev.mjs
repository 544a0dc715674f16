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

/** @type {import("./lib/wrangler-dev.mjs").WorkerProcess[]} */
const running = [];
let stopping = false;
const stopAll = async (/** @type {number} */ code) => {
  if (stopping) return;
  stopping = true;
  await Promise.all(running.map((w) => w.stop()));
  process.exit(code);
};
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

try {
  const logWorker = await startWorker({
    name: "log-worker",
    config: "wrangler.logworker.toml",
    port: logPort,
    // --test-scheduled exposes /__scheduled so the cron can be triggered by hand.
    args: ["--test-scheduled", "--inspector-port", env.LOG_WORKER_INSPECTOR_PORT ?? "9229"],
    persistTo,
    echo: true,
  });
  running.push(logWorker);
  if (existsSync(join(ROOT, "wrangler.auth.toml"))) {
    const authWorker = await startWorker({
      name: "auth-worker",
      config: "wrangler.auth.toml",
      port: authPort,
      args: ["--inspector-port", env.AUTH_WORKER_INSPECTOR_PORT ?? "9230"],
      persistTo,
      echo: true,
    });
    running.push(authWorker);
  }
} catch (err) {
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
if (!stopping) {
  console.error(`${first.w.name} exited (code ${first.code}); stopping.`);
  await stopAll(first.code ?? 1);
}
