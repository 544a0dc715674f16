// The workers of this repo: each wrangler config and the package whose Env it types.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./wrangler-dev.mjs";

export const WORKERS = [
  { config: "wrangler.logworker.toml", types: "packages/log-worker/worker-configuration.d.ts" },
  // auth-worker's types name its Env `AuthEnv` and leave the runtime types to
  // log-worker's file (its tsconfig includes both): with log-worker's config
  // given too, wrangler types its `log_worker` binding from the LogIngest class,
  // and log-worker's source, pulled in by that import, still sees its own `Env`.
  {
    config: "wrangler.auth.toml",
    types: "packages/auth-worker/worker-configuration.d.ts",
    args: ["-c", "wrangler.logworker.toml", "--env-interface", "AuthEnv", "--include-runtime", "false"],
  },
].filter((w) => existsSync(join(ROOT, w.config)));
