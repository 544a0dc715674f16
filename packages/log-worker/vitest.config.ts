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
    include: ["test/**/*.test.ts"],
  },
});
