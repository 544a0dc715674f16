// The workers of this repo: each wrangler config and the package whose Env it types.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./wrangler-dev.mjs";

export const WORKERS = [
  { config: "wrangler.logworker.toml", types: "packages/log-worker/worker-configuration.d.ts" },
  { config: "wrangler.auth.toml", types: "packages/auth-worker/worker-configuration.d.ts" },
].filter((w) => existsSync(join(ROOT, w.config)));
