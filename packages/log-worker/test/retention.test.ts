/**
 * ARCHIVE_RETENTION_DAYS: the daily cron deletes old `logs/dt=D/` partitions and
 * their `_index/dt=D/` sidecars within its operation budget, and the drain
 * ticks finish what one budget could not. Run through the real scheduled handler.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { RETENTION_KEY } from "../src/archive/layout";
import { DAILY_CRON, DRAIN_CRON } from "../src/archive/scheduled";
import worker from "../src/index";
import { wrapBinding } from "./archive-helpers";
import { adminGet, json, resetStorage } from "./helpers";

beforeEach(resetStorage);

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const daysAgo = (n: number) => dateOf(Date.now() - n * DAY);

async function putDay(date: string, objects: number, sidecars = 0) {
  for (let i = 0; i < objects; i++) await env.log_archive.put(`logs/dt=${date}/seg-${i}.ndjson.gz`, "x");
  for (let i = 0; i < sidecars; i++) await env.log_archive.put(`_index/dt=${date}/seg-${i}.idx`, "x");
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.log_archive.list({ prefix, cursor });
    out.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

const days = async (root: string) => [...new Set((await keysUnder(root)).map((k) => k.split("/")[1]))].sort();

async function retentionDue(): Promise<boolean | null> {
  const marker = await env.log_archive.get(RETENTION_KEY);
  return marker ? ((await marker.json()) as { due: boolean }).due : null;
}

/** One tick of `cron` through the real handler; returns the KV + R2 calls it made. */
async function tick(cron: string, vars: Record<string, string>): Promise<number> {
  const kv = wrapBinding(env.log_state);
  const r2 = wrapBinding(env.log_archive);
  const ctx = createExecutionContext();
  const scheduledTime = cron === DAILY_CRON ? Date.now() : Date.now() - (Date.now() % DAY) + 12 * 3_600_000;
  await worker.scheduled(
    createScheduledController({ cron, scheduledTime }),
    { ...env, log_state: kv.binding, log_archive: r2.binding, ...vars } as unknown as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return kv.total() + r2.total();
}

describe("retention", () => {
  it("the daily cron deletes days older than ARCHIVE_RETENTION_DAYS and their index sidecars, keeping the rest", async () => {
    await putDay(daysAgo(50), 0, 1); // sidecars whose data is gone already
    await putDay(daysAgo(40), 3, 2);
    await putDay(daysAgo(31), 2);
    await putDay(daysAgo(30), 2, 1); // the oldest day kept
    await putDay(daysAgo(1), 1, 1);

    await tick(DAILY_CRON, { ARCHIVE_RETENTION_DAYS: "30" });

    expect(await days("logs/")).toEqual([`dt=${daysAgo(30)}`, `dt=${daysAgo(1)}`]);
    expect(await days("_index/")).toEqual([`dt=${daysAgo(30)}`, `dt=${daysAgo(1)}`]);
    // The viewer and search read R2: a deleted day has nothing left to show.
    const listed = await json<{ objects: unknown[] }>(await adminGet(`/debug/r2-logs?date=${daysAgo(40)}`));
    expect(listed.objects).toEqual([]);
  });

  it("more than one budget of old partitions: each tick stays within it and the drain ticks finish the job", async () => {
    for (let d = 40; d < 46; d++) await putDay(daysAgo(d), 3, 1);
    await putDay(daysAgo(2), 1);
    const vars = { ARCHIVE_RETENTION_DAYS: "30", ARCHIVE_OPS_BUDGET: "25" };

    expect(await tick(DAILY_CRON, vars)).toBeLessThanOrEqual(25);
    expect((await days("logs/")).length, "one budget cannot delete six days").toBeGreaterThan(1);
    expect(await retentionDue()).toBe(true);

    let ticks = 0;
    while ((await days("logs/")).length > 1 || (await days("_index/")).length > 0) {
      expect(++ticks, "each drain tick makes progress").toBeLessThan(10);
      expect(await tick(DRAIN_CRON, vars)).toBeLessThanOrEqual(25);
    }
    expect(await days("logs/")).toEqual([`dt=${daysAgo(2)}`]);
    // The tick that finished cleared the marker: later drain ticks do no retention work.
    expect(await retentionDue()).toBe(false);
  }, 60_000);

  it("unset, empty or invalid keeps every day, and an invalid value is reported", async () => {
    await putDay(daysAgo(400), 1, 1);
    for (const value of [undefined, "", "abc", "0", "-3"]) {
      await tick(DAILY_CRON, value === undefined ? {} : { ARCHIVE_RETENTION_DAYS: value });
      expect(await days("logs/")).toEqual([`dt=${daysAgo(400)}`]);
    }
    const res = await worker.fetch(
      new Request("https://log-worker.test/debug/stats", { headers: { "X-API-Key": "test-api-key" } }),
      { ...env, ARCHIVE_RETENTION_DAYS: "abc" } as unknown as Env,
      createExecutionContext(),
    );
    const stats = await json<{ settingsIssues: string[] }>(res);
    expect(stats.settingsIssues).toEqual([
      expect.stringMatching(/^ARCHIVE_RETENTION_DAYS must be a whole number/),
    ]);
  });
});
