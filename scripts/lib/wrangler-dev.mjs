// Starts and stops real `wrangler dev` processes: used by `npm run dev`, the
// end-to-end and browser tests, and the benchmark.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/** Creates .dev.vars from the committed example when it is missing; returns true if it did. */
export function ensureDevVars() {
  const target = join(ROOT, ".dev.vars");
  if (existsSync(target)) return false;
  copyFileSync(join(ROOT, ".dev.vars.example"), target);
  return true;
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} WorkerProcess
 * @property {string} name
 * @property {string} url        e.g. http://127.0.0.1:8787
 * @property {number} pid
 * @property {() => string} output  everything the process printed so far
 * @property {Promise<number | null>} exited  resolves with the exit code
 * @property {() => Promise<void>} stop  SIGTERM to its process group, SIGKILL after 5 s; resolves once the group is empty
 */

/**
 * Runs `wrangler dev -c <config>` and resolves once it answers HTTP.
 * @param {object} options
 * @param {string} options.name          label for output lines
 * @param {string} options.config        wrangler config, relative to the repo root
 * @param {number} options.port
 * @param {string[]} [options.args]      extra wrangler dev arguments
 * @param {string} [options.persistTo]   local state directory (default .wrangler/state)
 * @param {Record<string, string>} [options.env]  extra environment, e.g. WRANGLER_REGISTRY_PATH
 * @param {boolean} [options.echo]       copy output to this process's stdout, prefixed
 * @param {string} [options.readyPath]   path polled until it answers (default /health)
 * @param {number} [options.timeoutMs]
 * @param {AbortSignal} [options.signal]  aborting stops the process, even while it starts; the promise
 *   then rejects once its whole process group has exited
 * @returns {Promise<WorkerProcess>}
 */
export async function startWorker(options) {
  const {
    name,
    config,
    port,
    args = [],
    persistTo = join(ROOT, ".wrangler", "state"),
    env = {},
    echo = false,
    readyPath = "/health",
    timeoutMs = 90_000,
    signal,
  } = options;
  const child = spawn(
    WRANGLER,
    [
      "dev",
      "--config",
      config,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
      ...args,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  const onData = (/** @type {Buffer} */ chunk) => {
    const text = chunk.toString();
    output += text;
    if (echo) {
      for (const line of text.split("\n")) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  let alive = true;
  exited.then(() => {
    alive = false;
  });

  // wrangler starts workerd (and esbuild) as children in its process group:
  // stop the whole group, and wait until the group is empty, not only until
  // wrangler has exited, so no child outlives it holding a port.
  const pgid = child.pid;
  const stop = async () => {
    if (pgid === undefined) return;
    signalGroup(pgid, "SIGTERM");
    const killAt = Date.now() + 5_000;
    let killed = false;
    while (groupAlive(pgid) || alive) {
      if (!killed && Date.now() >= killAt) {
        killed = true;
        signalGroup(pgid, "SIGKILL");
      }
      // A member that survives SIGKILL is a zombie no one reaps: it holds no port.
      if (killed && Date.now() >= killAt + 5_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // Interrupted while starting (e.g. Ctrl-C in `npm run dev`): stop the group,
  // then reject once it has stopped.
  const aborted = new Promise((_, reject) => {
    const onAbort = () => stop().then(() => reject(signal?.reason ?? new Error(`${name}: start aborted`)));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) return aborted;
    if (!alive) {
      throw new Error(`${name}: wrangler dev exited before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(url + readyPath, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (signal?.aborted) return aborted;
      return { name, url, pid: child.pid ?? 0, output: () => output, exited, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await stop();
  throw new Error(`${name}: wrangler dev did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
}

/** Sends a signal to every process of a group; a group that is gone is not an error. */
function signalGroup(/** @type {number} */ pgid, /** @type {NodeJS.Signals} */ sig) {
  try {
    process.kill(-pgid, sig);
  } catch {}
}

/** Whether any process is left in the group (signal 0 checks without sending). */
function groupAlive(/** @type {number} */ pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
