// `npm run types` regenerates each worker's worker-configuration.d.ts from its
// wrangler config; `node scripts/types.mjs --check` fails when one is stale.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { WORKERS } from "./lib/workers.mjs";
import { ROOT } from "./lib/wrangler-dev.mjs";

const check = process.argv.includes("--check");
let failed = false;
for (const { config, types, args: extra = [] } of WORKERS) {
  const args = ["types", "--config", config, ...extra, types, ...(check ? ["--check"] : [])];
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
