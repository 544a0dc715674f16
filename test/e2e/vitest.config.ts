import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// End-to-end tests run in Node and drive real `wrangler dev` processes over HTTP.
export default defineConfig({
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    root: fileURLToPath(new URL("../..", import.meta.url)),
    // Each file starts its own wrangler processes; two cores cannot run several at once.
    fileParallelism: false,
    // Busy 2-core machines: archiving 10,000 entries through wrangler dev took 60-80 s at a
    // load average of 15. No test asserts on time; this only bounds a hang.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
