// Context for the other figures: the same load through `wrangler dev`, whose
// local proxy sits in front of workerd and caps throughput. Shows why the
// throughput figures are taken under Miniflare, and what `npm run dev` gives.
// Private dev registry, state and ports: a developer's `npm run dev` is neither
// used nor disturbed.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { freePort, ROOT, startWorker } from "../../scripts/lib/wrangler-dev.mjs";
import { compatibilityDate } from "../bundle.mjs";
import { makeBodies } from "../entries.mjs";
import { loadFigures, runLoad } from "../load.mjs";
import { track } from "../processes.mjs";
import { API_KEY, LOG_CONFIG } from "../targets.mjs";

/**
 * @typedef {object} WranglerDevRow
 * @property {"wrangler dev"} path
 * @property {"bare" | "log-worker"} target
 * @property {number} entriesPerRequest
 * @property {number} concurrency
 * @property {number} entriesPerS
 * @property {ReturnType<typeof loadFigures>} load
 */

/**
 * Starts `wrangler dev` and registers its process group for every exit path.
 * @param {Parameters<typeof startWorker>[0]} options
 */
async function startTracked(options) {
  const w = await startWorker(options);
  const untrack = track({ label: `wrangler dev ${options.name}`, stop: w.stop, pids: [w.pid], group: true });
  return {
    ...w,
    stop: async () => {
      await w.stop();
      untrack();
    },
  };
}

/** @param {import("../context.mjs").BenchContext} ctx */
export async function wranglerDevPhase(ctx) {
  const s = ctx.settings.wranglerDev;
  const dir = join(ctx.tmp, "wrangler-dev");
  const registry = join(dir, "registry");
  const envFile = join(ctx.stateDir("wrangler-dev-secrets"), "secrets.env");
  writeFileSync(envFile, `LOG_API_KEY=${API_KEY}\n`);
  const bareConfig = join(ctx.stateDir("wrangler-dev-bare-config"), "wrangler.toml");
  writeFileSync(
    bareConfig,
    `name = "bench-bare"\nmain = "${join(ROOT, "bench", "workers", "bare.js")}"\ncompatibility_date = "${compatibilityDate(LOG_CONFIG)}"\n`,
  );
  const env = {
    WRANGLER_REGISTRY_PATH: registry,
    CLOUDFLARE_DEV_REGISTRY_PATH: registry,
    // node_modules/.bin/wrangler runs `node` from PATH: make it this Node (the toolchain's).
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
  };
  const targets = [
    {
      target: /** @type {const} */ ("bare"),
      options: { name: "bench-bare", config: bareConfig, readyPath: "/" },
      headers: /** @type {Record<string, string>} */ ({}),
    },
    {
      target: /** @type {const} */ ("log-worker"),
      options: { name: "log-worker", config: LOG_CONFIG, args: ["--env-file", envFile] },
      headers: /** @type {Record<string, string>} */ ({ "X-API-Key": API_KEY }),
    },
  ];
  /** @type {WranglerDevRow[]} */
  const rows = [];
  const bodies = makeBodies(s.entriesPerRequest);
  for (const t of targets) {
    ctx.say(`wrangler dev: starting ${t.target}`);
    const w = await startTracked({
      ...t.options,
      port: await freePort(),
      persistTo: ctx.stateDir(`wrangler-dev-${t.target}`),
      env,
      args: [...(t.options.args ?? []), "--inspector-port", String(await freePort())],
    });
    try {
      const spec = {
        origin: w.url,
        path: "/log",
        headers: { "Content-Type": "application/json", ...t.headers },
        bodies,
        concurrency: s.concurrency,
        maxRequests: s.maxRequests,
      };
      await runLoad({ ...spec, durationMs: s.warmupMs });
      const res = await runLoad({ ...spec, durationMs: s.durationMs });
      rows.push({
        path: "wrangler dev",
        target: t.target,
        entriesPerRequest: s.entriesPerRequest,
        concurrency: s.concurrency,
        entriesPerS: (res.ok * s.entriesPerRequest) / res.elapsedS,
        load: loadFigures(res),
      });
      ctx.say(`wrangler dev: ${t.target} ${Math.round(res.rps)} req/s`);
    } finally {
      await w.stop();
    }
  }
  return { rows };
}
