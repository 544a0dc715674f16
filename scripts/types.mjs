// `npm run types` regenerates each worker's worker-configuration.d.ts from its
// wrangler config; `node scripts/types.mjs --check` fails when one is stale.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib/wrangler-dev.mjs";

/** Each wrangler config and the package whose Env it types. */
export const WORKERS = [
  { config: "wrangler.logworker.toml", types: "packages/log-worker/worker-configuration.d.ts" },
  { config: "wrangler.auth.toml", types: "packages/auth-worker/worker-configuration.d.ts" },
].filter((w) => existsSync(join(ROOT, w.config)));

const check = process.argv.includes("--check");
let failed = false;
for (const { config, types } of WORKERS) {
  const args = ["types", "--config", config, types, ...(check ? ["--check"] : [])];
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "wrangler"), args, {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) {
    failed = true;
    if (check) console.error(`${types} is out of date with ${config}: run \`npm run types\` and commit it.`);
  }
}
process.exit(failed ? 1 : 0);
