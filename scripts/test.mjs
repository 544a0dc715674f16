// `npm test`: everything CI checks, in order, stopping at the first failure.
//   node scripts/test.mjs            all steps
//   node scripts/test.mjs unit e2e   only the named steps
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKERS } from "./lib/workers.mjs";
import { ROOT } from "./lib/wrangler-dev.mjs";

const bin = (/** @type {string} */ name) => join(ROOT, "node_modules", ".bin", name);
const dryRunDir = mkdtempSync(join(tmpdir(), "log-service-dry-run-"));

/** @type {{ name: string, what: string, commands: string[][] }[]} */
const STEPS = [
  {
    name: "types",
    what: "generated types (each worker's Env, the shared runtime types) match the wrangler configs",
    commands: [["node", join(ROOT, "scripts", "types.mjs"), "--check"]],
  },
  {
    name: "typecheck",
    what: "TypeScript, strict",
    commands: [
      ...[
        "packages/http",
        "packages/client",
        "packages/log-worker",
        "packages/log-worker/ui",
        "packages/auth-worker",
      ]
        .filter((p) => existsSync(join(ROOT, p, "tsconfig.json")))
        .map((p) => [bin("tsc"), "-p", p]),
      [bin("tsc"), "-p", "tsconfig.node.json"],
      ...(existsSync(join(ROOT, "bench", "workers", "tsconfig.json"))
        ? [[bin("tsc"), "-p", "bench/workers"]]
        : []),
    ],
  },
  {
    name: "lint",
    what: "Biome lint and format; relative links in the docs",
    commands: [
      [bin("biome"), "ci", "."],
      ["node", join(ROOT, "scripts", "check-links.mjs")],
    ],
  },
  {
    name: "unit",
    what: "workerd tests (vitest + @cloudflare/vitest-plugin, real local KV/R2)",
    commands: [[bin("vitest"), "run"]],
  },
  {
    name: "deploy",
    what: "wrangler deploy --dry-run for every wrangler config",
    commands: WORKERS.map(({ config }) => [
      bin("wrangler"),
      "deploy",
      "--dry-run",
      "--config",
      config,
      "--outdir",
      join(dryRunDir, config),
    ]),
  },
  {
    name: "e2e",
    what: "end-to-end against real `wrangler dev` processes over HTTP",
    commands: [[bin("vitest"), "run", "--config", "test/e2e/vitest.config.ts"]],
  },
  {
    name: "browser",
    what: "log viewer in headless Chromium (playwright-core) against `wrangler dev`",
    commands: existsSync(join(ROOT, "test", "browser", "vitest.config.ts"))
      ? [
          ["sh", join(ROOT, "scripts", "ensure-chromium.sh")],
          [bin("vitest"), "run", "--config", "test/browser/vitest.config.ts"],
        ]
      : [],
  },
];

const only = process.argv.slice(2);
const unknown = only.filter((n) => !STEPS.some((s) => s.name === n));
if (unknown.length > 0) {
  console.error(`Unknown step(s): ${unknown.join(", ")}. Steps: ${STEPS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}

const started = Date.now();
const timings = [];
for (const step of STEPS) {
  if (only.length > 0 && !only.includes(step.name)) continue;
  console.log(`\n━━ ${step.name}: ${step.what}`);
  const t0 = Date.now();
  for (const [cmd, ...args] of step.commands) {
    const result = spawnSync(/** @type {string} */ (cmd), args, {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    if (result.status !== 0) {
      console.error(`\n✗ ${step.name} failed: ${[cmd, ...args].join(" ")}`);
      process.exit(result.status ?? 1);
    }
  }
  timings.push(`${step.name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}
console.log(`\n✓ all passed in ${((Date.now() - started) / 1000).toFixed(1)}s (${timings.join(", ")})`);
