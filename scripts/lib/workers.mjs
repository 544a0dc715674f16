// The workers of this repo: each wrangler config and the package whose Env it types.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./wrangler-dev.mjs";

export const WORKERS = [
  { config: "wrangler.logworker.toml", types: "packages/log-worker/worker-configuration.d.ts" },
  { config: "wrangler.auth.toml", types: "packages/auth-worker/worker-configuration.d.ts" },
].filter((w) => existsSync(join(ROOT, w.config)));

/**
 * The Workers runtime types (`wrangler types --include-env=false`), generated
 * once for the whole repo: every package's tsconfig includes this file, so the
 * workers, the client and the HTTP helpers see the same types. It follows the
 * compatibility date and flags, which every config must therefore share.
 */
export const RUNTIME_TYPES = "types/workers-runtime.d.ts";
