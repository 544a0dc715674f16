import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "../../wrangler.logworker.toml" },
      miniflare: {
        // The key is fixed here (it overrides a .dev.vars the plugin may load), and
        // tests that need "no key configured" override env themselves.
        bindings: { LOG_API_KEY: "test-api-key" },
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
