/**
 * The operation budget is planned exactly: whatever the batches look like
 * (many dates per batch, objects cut small), an invocation never makes more
 * KV + R2 calls than ARCHIVE_OPS_BUDGET and never fails on it; it stops with
 * `remaining: true` and the next invocation goes on.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { archiveLogs } from "../src/archive/run";
import { archivedEntries, duplicateIds, seedBatches, wrapBinding } from "./archive-helpers";
import { logKeys, resetStorage } from "./helpers";

beforeEach(resetStorage);

/** Batches whose entries fall on ten different days, ~1 KB each. */
const tenDays = (b: number, i: number) => ({
  message: `batch ${b} entry ${i}`,
  timestamp: Date.UTC(2026, 10, 1 + (i % 10), 12),
  pad: "q".repeat(900),
});

function counted() {
  const kv = wrapBinding(env.log_state);
  const r2 = wrapBinding(env.log_archive);
  return {
    env: { ...env, log_state: kv.binding, log_archive: r2.binding },
    ops: () => kv.total() + r2.total(),
  };
}

describe("budget planning", () => {
  it.each([60, 97, 150, 211, 333])(
    "budget %i: never over budget, never failing on it, and the drain finishes every id once",
    async (budget) => {
      const all = await seedBatches(120, 20, { entry: tenDays });
      let runs = 0;
      let remaining = true;
      while (remaining) {
        runs++;
        expect(runs, "each invocation must make progress").toBeLessThan(60);
        const c = counted();
        const result = await archiveLogs(c.env, {
          trigger: "drain",
          cutoffMs: Date.now(),
          // Small objects: segments split every few batches, and each split adds ten puts.
          config: { opsBudget: budget, objectMaxBytes: 64 * 1024 },
        });
        expect(c.ops(), `run ${runs}`).toBeLessThanOrEqual(budget);
        expect(result.ops).toBe(c.ops());
        remaining = result.remaining;
      }
      expect(await logKeys()).toEqual([]);
      const archived = await archivedEntries();
      expect(duplicateIds(archived)).toEqual([]);
      expect(archived).toHaveLength(all.length);
    },
    120_000,
  );

  it("stops listing at the first key received at or after the cutoff", async () => {
    const start = Date.UTC(2026, 10, 27);
    await seedBatches(10, 1, { startMs: start });
    // 2,500 newer batches: three more list pages the run must not read.
    await seedBatches(2_500, 1, { startMs: start + 60_000 });
    const kv = wrapBinding(env.log_state);
    const result = await archiveLogs(
      { ...env, log_state: kv.binding },
      { trigger: "cron", cutoffMs: start + 30_000 },
    );
    expect(result).toMatchObject({ keys: 10, remaining: false });
    expect(kv.calls.list).toBe(1);
    expect(await logKeys()).toHaveLength(2_500);
  }, 60_000);
});
