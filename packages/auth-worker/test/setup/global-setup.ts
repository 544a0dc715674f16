// Runs in Node before the workerd tests: bundles the REAL log-worker (the same
// `wrangler deploy --dry-run` CI runs) into a private temp directory, so the
// tests run auth-worker beside the log-worker of this checkout. A private
// directory keeps concurrent runs from overwriting each other's bundle.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

declare module "vitest" {
  export interface ProvidedContext {
    /** Absolute path of the directory holding the bundled log-worker (index.js). */
    logWorkerBuildDir: string;
  }
}

export default function setup(project: TestProject) {
  const outdir = mkdtempSync(join(tmpdir(), "auth-worker-test-log-worker-"));
  execFileSync(
    join(REPO_ROOT, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--config", "wrangler.logworker.toml", "--outdir", outdir],
    { cwd: REPO_ROOT, stdio: "pipe", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  project.provide("logWorkerBuildDir", outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
