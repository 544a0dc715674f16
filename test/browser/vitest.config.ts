import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Browser tests run in Node: each file starts `wrangler dev` (test/e2e/stack.ts)
// and drives the system's headless Chromium with playwright-core.
export default defineConfig({
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.ts"],
    root: fileURLToPath(new URL("../..", import.meta.url)),
    // A wrangler dev and a Chromium per file: two cores cannot run several at once.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
