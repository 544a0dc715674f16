// Builds the log viewer into the Workers Static Assets directory that
// wrangler.logworker.toml's [assets] serves:
//   packages/log-worker/ui/src/main.ts (TypeScript) -> ui/dist/app.js (one ES module)
//   packages/log-worker/ui/public/*                 -> ui/dist/ (page, style, icon, _headers)
// ui/dist is build output (gitignored). Wrangler refuses a missing assets directory;
// the config's [build] command runs this before every `wrangler dev` (so `npm run dev`
// and the e2e and browser tests) and `wrangler deploy` (so `npm test`'s dry run).
//   node scripts/build-viewer.mjs
// Each file is written under a temporary name and renamed into place: a second
// `wrangler dev` building at the same time never serves a half-written file.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const UI = join(ROOT, "packages", "log-worker", "ui");
/** The [assets] directory of wrangler.logworker.toml. */
export const VIEWER_DIST = join(UI, "dist");

function writeAtomically(/** @type {string} */ path, /** @type {Uint8Array | string} */ contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Builds the viewer synchronously (a few tens of ms). */
export function buildViewer() {
  mkdirSync(VIEWER_DIST, { recursive: true });
  const bundle = esbuild.buildSync({
    entryPoints: [join(UI, "src", "main.ts")],
    outfile: join(VIEWER_DIST, "app.js"),
    bundle: true,
    format: "esm",
    target: "es2022",
    legalComments: "none",
    logLevel: "warning",
    write: false,
  });
  for (const file of bundle.outputFiles) writeAtomically(file.path, file.contents);
  for (const name of readdirSync(join(UI, "public"))) {
    writeAtomically(join(VIEWER_DIST, name), readFileSync(join(UI, "public", name)));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) buildViewer();
