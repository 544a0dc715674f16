// `npm run types` regenerates the generated type files from the wrangler
// configs; `node scripts/types.mjs --check` fails when one is stale:
// - each worker's worker-configuration.d.ts: its Env (bindings, vars, secrets);
// - types/workers-runtime.d.ts: the Workers runtime types, once for every package.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME_TYPES, WORKERS } from "./lib/workers.mjs";
import { ROOT } from "./lib/wrangler-dev.mjs";

const check = process.argv.includes("--check");
let failed = false;

// One runtime-types file fits every worker only if they share compatibility settings.
const compatibility = (/** @type {string} */ config) =>
  readFileSync(join(ROOT, config), "utf8")
    .split("\n")
    .filter((line) => /^\s*compatibility_(date|flags)\s*=/.test(line))
    .map((line) => line.replace(/\s+/g, ""))
    .join(" ");
const [first, ...others] = WORKERS;
for (const worker of others) {
  if (first && compatibility(worker.config) !== compatibility(first.config)) {
    console.error(
      `${worker.config} and ${first.config} differ in compatibility_date/compatibility_flags: ` +
        `${RUNTIME_TYPES} serves every package, so give them the same ones.`,
    );
    failed = true;
  }
}

/** @type {{ config: string, path: string, args: string[] }[]} */
const outputs = [
  ...WORKERS.map(({ config, types }) => ({ config, path: types, args: ["--include-runtime=false"] })),
  ...(first ? [{ config: first.config, path: RUNTIME_TYPES, args: ["--include-env=false"] }] : []),
];
for (const { config, path, args } of outputs) {
  const result = spawnSync(
    join(ROOT, "node_modules", ".bin", "wrangler"),
    ["types", "--config", config, path, ...args, ...(check ? ["--check"] : [])],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  if (result.status !== 0) {
    failed = true;
    if (check) console.error(`${path} is out of date with ${config}: run \`npm run types\` and commit it.`);
  }
}
process.exit(failed ? 1 : 0);
