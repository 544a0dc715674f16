import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "../../wrangler.logworker.toml" },
      miniflare: {
        // The keys are fixed here (they override a .dev.vars the plugin may load), and
        // tests that need other settings override env themselves.
        // Scoped keys as in test/helpers.ts (INGEST_KEY, READ_KEY).
        bindings: {
          LOG_API_KEY: "test-api-key",
          LOG_INGEST_KEYS: "test-producer:test-ingest-key-0001",
          LOG_READ_KEYS: "test-reader:test-read-key-00001",
        },
      },
    }),
  ],
  test: {
    name: "log-worker",
    // Generous: seeding thousands of keys on a busy 2-core machine takes seconds; no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ["test/**/*.test.ts"],
  },
});
