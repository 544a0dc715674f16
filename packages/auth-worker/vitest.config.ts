import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import type {} from "./test/setup/global-setup"; // declares what `inject` provides

const AUTH_WORKER_CONFIG = fileURLToPath(new URL("../../wrangler.auth.toml", import.meta.url));
const LOG_WORKER_CONFIG = fileURLToPath(new URL("../../wrangler.logworker.toml", import.meta.url));

/** Test secrets. The plugin also loads .dev.vars when one exists, but these bindings override it. */
const TEST_TOKEN_SECRET = "test-auth-token-secret";
const TEST_LOG_API_KEY = "test-log-api-key";

// log-worker's bindings come from its own wrangler config, so they follow it;
// only the secret is set here. (Auxiliary workers take Miniflare options, not a
// wrangler config.)
const logWorker = unstable_readConfig({ config: LOG_WORKER_CONFIG });

export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      // auth-worker itself, with `log_worker` bound to log-worker's LogIngest as in production.
      wrangler: { configPath: AUTH_WORKER_CONFIG },
      miniflare: {
        bindings: { AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET, TEST_LOG_API_KEY },
        serviceBindings: {
          // log-worker's public app, to read /debug/kv-logs with the API key.
          LOG_WORKER_PUBLIC: "log-worker",
          SLOW_LOG_WORKER: { name: "slow-log-worker", entrypoint: "LogIngest" },
          FAILING_LOG_WORKER: { name: "failing-log-worker", entrypoint: "LogIngest" },
          // Nothing listens on port 1: every call fails to connect.
          UNREACHABLE_LOG_WORKER: { external: { address: "127.0.0.1:1", http: {} } },
        },
        workers: [
          {
            name: "log-worker",
            modules: true,
            scriptPath: join(inject("logWorkerBuildDir"), "index.js"),
            // Module names are paths relative to this root; the default (the
            // project root) cannot name a file in the temp directory.
            modulesRoot: inject("logWorkerBuildDir"),
            compatibilityDate: logWorker.compatibility_date,
            compatibilityFlags: logWorker.compatibility_flags,
            kvNamespaces: logWorker.kv_namespaces.map((kv: { binding: string }) => kv.binding),
            r2Buckets: Object.fromEntries(
              logWorker.r2_buckets.map((r2: { binding: string; bucket_name?: string }) => [
                r2.binding,
                r2.bucket_name ?? r2.binding,
              ]),
            ),
            bindings: { ...logWorker.vars, LOG_API_KEY: TEST_LOG_API_KEY },
          },
          {
            name: "slow-log-worker",
            modules: true,
            scriptPath: "./test/fixtures/slow-log-worker.js",
            compatibilityDate: "2026-11-01",
            serviceBindings: { LOG_INGEST: { name: "log-worker", entrypoint: "LogIngest" } },
          },
          {
            name: "failing-log-worker",
            modules: true,
            scriptPath: "./test/fixtures/failing-log-worker.js",
            compatibilityDate: "2026-11-01",
          },
        ],
      },
    })),
  ],
  test: {
    name: "auth-worker",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/setup/global-setup.ts"],
  },
});
