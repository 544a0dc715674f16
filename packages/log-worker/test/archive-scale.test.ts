/**
 * A backlog larger than one invocation's operation budget drains completely:
 * the daily cron (or /flush) does what its budget allows and leaves a pending
 * marker; drain-cron ticks continue until nothing is pending.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { DAILY_CRON, DRAIN_CRON } from "../src/archive/scheduled";
import { readPending } from "../src/archive/state";
import worker from "../src/index";
import { archivedEntries, duplicateIds, seedBatches, wrapBinding } from "./archive-helpers";
import { API_KEY, json, logKeys, resetStorage } from "./helpers";

const BUDGET = 700;
const KEYS = 2_500;
const ENTRIES_PER_KEY = 10;

/** An env whose bindings count every call, with a small budget. */
function countingEnv() {
  const kv = wrapBinding(env.log_state);
  const r2 = wrapBinding(env.log_archive);
  const wrapped = {
    ...env,
    log_state: kv.binding,
    log_archive: r2.binding,
    ARCHIVE_OPS_BUDGET: String(BUDGET),
  } as unknown as Env;
  return { env: wrapped, ops: () => kv.total() + r2.total(), kv, r2 };
}

async function drainTick(scheduledTime: number): Promise<number> {
  const counted = countingEnv();
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: DRAIN_CRON, scheduledTime }), counted.env, ctx);
  await waitOnExecutionContext(ctx);
  return counted.ops();
}

async function drainUntilIdle(startMs: number): Promise<{ ticks: number; maxOps: number }> {
  let ticks = 0;
  let maxOps = 0;
  while (await readPending(env.log_archive)) {
    ticks++;
    expect(ticks, "the drain must make progress").toBeLessThan(50);
    maxOps = Math.max(maxOps, await drainTick(startMs + ticks * 300_000));
  }
  // Once idle, a tick costs a single R2 read.
  expect(await drainTick(startMs + (ticks + 1) * 300_000)).toBe(1);
  return { ticks, maxOps };
}

describe(`a backlog of ${KEYS * ENTRIES_PER_KEY} entries in ${KEYS} keys, budget ${BUDGET} ops per invocation`, () => {
  beforeEach(resetStorage);

  it("the scheduled handler archives every id exactly once over several invocations, each within its budget", async () => {
    const seeded = await seedBatches(KEYS, ENTRIES_PER_KEY);
    const midnight = Date.UTC(2026, 10, 28); // after every seeded batch
    const counted = countingEnv();
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: DAILY_CRON, scheduledTime: midnight }),
      counted.env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(counted.ops()).toBeLessThanOrEqual(BUDGET);
    const leftAfterDaily = (await logKeys()).length;
    expect(leftAfterDaily, "one invocation cannot finish this backlog").toBeGreaterThan(0);
    expect(leftAfterDaily).toBeLessThan(KEYS);

    const { ticks, maxOps } = await drainUntilIdle(midnight);
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(maxOps).toBeLessThanOrEqual(BUDGET);

    expect(await logKeys()).toEqual([]);
    const archived = await archivedEntries();
    expect(duplicateIds(archived)).toEqual([]);
    expect(archived).toHaveLength(seeded.length);
    expect(new Set(archived.map((e) => e.id))).toEqual(new Set(seeded.map((e) => e.id)));
  }, 180_000);

  it("POST /flush does one budget's worth, says remaining: true, and the drain cron finishes", async () => {
    const seeded = await seedBatches(KEYS, ENTRIES_PER_KEY);
    const counted = countingEnv();
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("https://log-worker.test/flush", { method: "POST", headers: { "X-API-Key": API_KEY } }),
      counted.env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const body = await json<{ archived: number; keys: number; objects: string[]; remaining: boolean }>(res);
    expect(body.remaining).toBe(true);
    expect(body.keys).toBeGreaterThan(0);
    expect(body.archived).toBe(body.keys * ENTRIES_PER_KEY);
    expect(counted.ops()).toBeLessThanOrEqual(BUDGET);

    // Drain ticks until every batch is archived. (The marker then stays due until
    // a tick 90 s after the flush has walked the range again: the midnight gap.)
    let ticks = 0;
    while ((await logKeys()).length > 0) {
      expect(++ticks, "the drain must make progress").toBeLessThan(50);
      expect(await drainTick(Date.now() + ticks * 300_000)).toBeLessThanOrEqual(BUDGET);
    }
    expect(await logKeys()).toEqual([]);
    const archived = await archivedEntries();
    expect(duplicateIds(archived)).toEqual([]);
    expect(new Set(archived.map((e) => e.id))).toEqual(new Set(seeded.map((e) => e.id)));
  }, 180_000);
});
