import { defineConfig } from "vitest/config";

// One project per package; `vitest run` at the root runs them all,
// `pnpm --filter <package> test` runs one.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts"],
  },
});
