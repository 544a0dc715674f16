import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

// The client has no wrangler config of its own: the test worker is configured
// here. `LOG_SINK` is a real service binding to the LogSink entrypoint of a stand-in for
// log-worker (test/log-sink.js), for the tests that need a real binding.
export default defineProject({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-11-01",
        serviceBindings: { LOG_SINK: { name: "log-sink", entrypoint: "LogSink" } },
        workers: [
          {
            name: "log-sink",
            modules: true,
            scriptPath: "./test/log-sink.js",
            compatibilityDate: "2026-11-01",
          },
        ],
      },
    }),
  ],
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
  },
});
