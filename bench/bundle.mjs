// Bundles workers as `wrangler deploy` would, without deploying:
// `wrangler deploy --dry-run --outdir <dir>`, so Miniflare runs the same code.
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../scripts/lib/wrangler-dev.mjs";

const run = promisify(execFile);
// wrangler's JS entry, run with this Node (the toolchain's), whatever `node` is on PATH.
const WRANGLER = join(
  dirname(createRequire(join(ROOT, "package.json")).resolve("wrangler/package.json")),
  "bin",
  "wrangler.js",
);

/**
 * The `compatibility_date` of a wrangler config.
 * @param {string} config  path relative to the repo root
 */
export function compatibilityDate(config) {
  const match = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, config), "utf8"));
  if (!match?.[1]) throw new Error(`${config}: no compatibility_date`);
  return match[1];
}

/**
 * The `compatibility_flags` of a wrangler config (e.g. nodejs_compat, which the archive's node:zlib needs).
 * @param {string} config  path relative to the repo root
 * @returns {string[]}
 */
export function compatibilityFlags(config) {
  const match = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(readFileSync(join(ROOT, config), "utf8"));
  return [...(match?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => /** @type {string} */ (m[1]));
}

/**
 * The string values of a wrangler config's [vars] table (flat `KEY = "value"` lines).
 * @param {string} config
 * @returns {Record<string, string>}
 */
export function configVars(config) {
  const text = readFileSync(join(ROOT, config), "utf8");
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[)/m.exec(text)?.[1] ?? "";
  /** @type {Record<string, string>} */
  const vars = {};
  for (const match of section.matchAll(/^([A-Z0-9_]+)\s*=\s*"([^"]*)"/gm)) {
    if (match[1] && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}

/**
 * Bundles the worker of a wrangler config; returns the path of the bundled module.
 * @param {string} config  absolute, or relative to the repo root
 * @param {string} outdir
 */
export async function bundleConfig(config, outdir) {
  mkdirSync(outdir, { recursive: true });
  try {
    await run(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "--config", config], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = /** @type {{ stdout?: string, stderr?: string }} */ (err);
    throw new Error(`bundling ${config} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  // The module is named after the entry (index.js for index.ts); the rest are maps and a README.
  const modules = readdirSync(outdir).filter((f) => f.endsWith(".js"));
  if (modules.length !== 1)
    throw new Error(`bundling ${config}: expected one .js in ${outdir}, got ${modules}`);
  return join(outdir, /** @type {string} */ (modules[0]));
}

/**
 * Bundles a bench-only entry module (e.g. bench/workers/log-worker-counted.ts)
 * through a throwaway wrangler config in `outdir`.
 * @param {object} options
 * @param {string} options.name
 * @param {string} options.main    path relative to the repo root
 * @param {string} options.compatibilityDate
 * @param {string} options.outdir
 */
export async function bundleEntry({ name, main, compatibilityDate: date, outdir }) {
  mkdirSync(outdir, { recursive: true });
  const config = join(outdir, "wrangler.toml");
  // nodejs_compat: bench entries import the product, whose archive uses node:zlib.
  writeFileSync(
    config,
    `name = "${name}"\nmain = "${join(ROOT, main)}"\ncompatibility_date = "${date}"\ncompatibility_flags = ["nodejs_compat"]\n`,
  );
  return bundleConfig(config, join(outdir, "dist"));
}
