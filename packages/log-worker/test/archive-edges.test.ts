/**
 * The archive's edge cases, each shown with a wrapper around the real local
 * KV or R2 binding: the midnight gap, transient journal reads, the lease in a
 * long commit, both crons at midnight, and KV's eventual consistency.
 * Each test fails when the code it names is taken out.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { OpBudget } from "../src/archive/budget";
import { checkArchiveConfig, commitMaxMs } from "../src/archive/config";
import { JOURNAL_PREFIX, LAST_RUN_KEY, LEASE_KEY } from "../src/archive/layout";
import { readLease } from "../src/archive/lease";
import { ArchiveFailed, archiveLogs } from "../src/archive/run";
import { DAILY_CRON, DRAIN_CRON } from "../src/archive/scheduled";
import { markDrainDue, readPending } from "../src/archive/state";
import worker from "../src/index";
import { parseLogKey } from "../src/store/batches";
import { archivedEntries, duplicateIds, seedBatches, wrapBinding } from "./archive-helpers";
import { logKeys, resetStorage } from "./helpers";

beforeEach(resetStorage);

type Call = (...args: unknown[]) => Promise<unknown>;

async function expectArchivedExactlyOnce(expected: readonly StoredLogEntry[]) {
  const archived = await archivedEntries();
  expect(duplicateIds(archived), "no id may be archived twice").toEqual([]);
  expect(archived.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
  expect(await logKeys(), "no log: key may be left").toEqual([]);
}

async function listKeys(prefix: string): Promise<string[]> {
  return (await env.log_archive.list({ prefix })).objects.map((o) => o.key);
}

/** A KV binding whose list() hides keys received less than `lagMs` before `clock()`. */
function lateListingKv(clock: () => number, lagMs: number) {
  return wrapBinding(env.log_state, {
    list: async (real, ...args) => {
      const page = (await (real as Call)(...args)) as KVNamespaceListResult<unknown>;
      const keys = page.keys.filter((k) => (parseLogKey(k.name)?.receivedAtMs ?? 0) <= clock() - lagMs);
      return { ...page, keys };
    },
  }).binding;
}

describe("the midnight gap", () => {
  it("a batch received at 23:59:40 and listed late by the 00:00 run is archived by the drain, not tomorrow", async () => {
    const midnight = Date.UTC(2026, 10, 29);
    const early = await seedBatches(5, 2, { startMs: midnight - 3 * 3_600_000 });
    const late = await seedBatches(3, 2, { startMs: midnight - 20_000 });
    let clock = midnight + 5_000;
    const kv = lateListingKv(() => clock, 60_000);

    // The daily cron: marks the drain due, then runs; the late batches are not listed yet.
    await markDrainDue(env.log_archive, new OpBudget(10), midnight, "daily archive");
    const daily = await archiveLogs(
      { ...env, log_state: kv },
      { trigger: "cron", cutoffMs: midnight, now: () => clock },
    );
    expect(daily).toMatchObject({ keys: 5, remaining: false });
    expect((await readPending(env.log_archive))?.cutoffMs, "the drain stays due").toBe(midnight);

    // The drain five minutes later sees them and clears the marker.
    clock = midnight + 300_000;
    const pending = await readPending(env.log_archive);
    const drain = await archiveLogs(
      { ...env, log_state: kv },
      { trigger: "drain", cutoffMs: pending?.cutoffMs ?? 0, now: () => clock },
    );
    expect(drain.keys).toBe(3);
    expect(await readPending(env.log_archive)).toBeNull();
    await expectArchivedExactlyOnce([...early, ...late]);
  });
});

describe("journal reads", () => {
  /** Leaves a valid journal: the first 7 KV deletes succeed, then KV fails. */
  async function interruptedRun() {
    const all = await seedBatches(40, 3);
    let deletes = 0;
    const failing = wrapBinding(env.log_state, {
      delete: (real, ...args) =>
        ++deletes > 7 ? Promise.reject(new Error("KV delete failed")) : (real as Call)(...args),
    });
    await expect(
      archiveLogs({ ...env, log_state: failing.binding }, { trigger: "cron", cutoffMs: Date.now() }),
    ).rejects.toBeInstanceOf(ArchiveFailed);
    expect(await listKeys(JOURNAL_PREFIX)).toHaveLength(1);
    return all;
  }

  it("a transient R2 read error leaves a valid journal in place: nothing is archived twice", async () => {
    const all = await interruptedRun();
    // R2 answers the get, then the body read fails once (a timeout, a reset connection).
    let failures = 1;
    const flaky = wrapBinding(env.log_archive, {
      get: async (real, ...args) => {
        const object = (await (real as Call)(...args)) as R2ObjectBody | null;
        if (!object || !String(args[0]).startsWith(JOURNAL_PREFIX) || failures-- <= 0) return object;
        return new Proxy(object, {
          get(target, prop) {
            if (prop === "text") return () => Promise.reject(new Error("R2 read timed out"));
            const value = Reflect.get(target, prop, target);
            return typeof value === "function" ? value.bind(target) : value;
          },
        });
      },
    });
    await expect(
      archiveLogs({ ...env, log_archive: flaky.binding }, { trigger: "drain", cutoffMs: Date.now() }),
    ).rejects.toThrow(/R2 read timed out/);
    expect(await listKeys(JOURNAL_PREFIX), "the journal stays").toHaveLength(1);
    expect(await listKeys("_archive/journal-invalid/"), "nothing moved aside").toEqual([]);
    expect(duplicateIds(await archivedEntries())).toEqual([]);

    const next = await archiveLogs(env, { trigger: "drain", cutoffMs: Date.now() });
    expect(next.recovered).toBe(1);
    await expectArchivedExactlyOnce(all);
  });

  it("a get that throws leaves the journal in place too", async () => {
    const all = await interruptedRun();
    const down = wrapBinding(env.log_archive, {
      get: (real, ...args) =>
        String(args[0]).startsWith(JOURNAL_PREFIX)
          ? Promise.reject(new Error("R2 unavailable"))
          : (real as Call)(...args),
    });
    await expect(
      archiveLogs({ ...env, log_archive: down.binding }, { trigger: "drain", cutoffMs: Date.now() }),
    ).rejects.toBeInstanceOf(ArchiveFailed);
    expect(await listKeys(JOURNAL_PREFIX)).toHaveLength(1);
    await archiveLogs(env, { trigger: "drain", cutoffMs: Date.now() });
    await expectArchivedExactlyOnce(all);
  });

  it("a journal that parses but does not validate is moved aside, and its keys are archived once", async () => {
    const all = await seedBatches(4, 2);
    await env.log_archive.put(`${JOURNAL_PREFIX}0000000000001-abc.json`, JSON.stringify({ v: 1, keys: 3 }));
    await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    expect(await listKeys("_archive/journal-invalid/")).toEqual([
      "_archive/journal-invalid/0000000000001-abc.json",
    ]);
    await expectArchivedExactlyOnce(all);
  });
});

describe("the lease during a commit", () => {
  it("is renewed inside a long delete loop, so it never expires while keys are being deleted", async () => {
    const all = await seedBatches(40, 1);
    let clock = Date.now();
    let expiredDuringDeletes = 0;
    const slowDeletes = wrapBinding(env.log_state, {
      delete: async (real, ...args) => {
        // Each delete takes "5 s": 40 of them outlast the 60 s lease three times over.
        clock += 5_000;
        if (!(await readLease(env.log_archive, clock))) expiredDuringDeletes++;
        return (real as Call)(...args);
      },
    });
    const result = await archiveLogs(
      { ...env, log_state: slowDeletes.binding },
      {
        trigger: "cron",
        cutoffMs: Date.now(),
        now: () => clock,
        config: { leaseMs: 60_000, deleteConcurrency: 1 },
      },
    );
    expect(expiredDuringDeletes).toBe(0);
    expect(result).toMatchObject({ keys: 40, remaining: false });
    await expectArchivedExactlyOnce(all);
  });

  it("a lease setting shorter than a commit can take is refused", () => {
    const short = checkArchiveConfig({ ARCHIVE_LEASE_SECONDS: "30" });
    expect(short.config.leaseMs).toBeGreaterThanOrEqual(commitMaxMs(9000, 16));
    expect(short.issues).toEqual([expect.stringMatching(/ARCHIVE_LEASE_SECONDS is shorter than a commit/)]);
    // A larger budget or fewer deletes in flight make commits longer.
    const slow = checkArchiveConfig({ ARCHIVE_LEASE_SECONDS: "300", ARCHIVE_DELETE_CONCURRENCY: "2" });
    expect(slow.issues).toHaveLength(1);
    expect(slow.config.leaseMs).toBeGreaterThan(300_000);
    const fine = checkArchiveConfig({ ARCHIVE_LEASE_SECONDS: "300" });
    expect(fine).toMatchObject({ issues: [], config: { leaseMs: 300_000 } });
  });
});

describe("both crons at 00:00", () => {
  it("the daily cron runs and the drain tick yields, through the real scheduled handler", async () => {
    const midnight = Date.UTC(2026, 10, 29);
    const all = await seedBatches(20, 2, { startMs: midnight - 3 * 3_600_000 });
    // A drain is already due (an earlier run failed): the drain tick would run on its own.
    await markDrainDue(env.log_archive, new OpBudget(10), midnight - 86_400_000, "last run failed");
    const runs = new Set<string>();
    const r2 = wrapBinding(env.log_archive, {
      put: (real, ...args) => {
        if (args[0] === LEASE_KEY) runs.add((JSON.parse(String(args[1])) as { runId: string }).runId);
        return (real as Call)(...args);
      },
    });
    const both = { ...env, log_archive: r2.binding };
    const daily = createExecutionContext();
    const drain = createExecutionContext();
    await Promise.all([
      worker.scheduled(createScheduledController({ cron: DAILY_CRON, scheduledTime: midnight }), both, daily),
      worker.scheduled(createScheduledController({ cron: DRAIN_CRON, scheduledTime: midnight }), both, drain),
    ]);
    await Promise.all([waitOnExecutionContext(daily), waitOnExecutionContext(drain)]);

    expect(runs.size, "exactly one run took (or tried to take) the lease").toBe(1);
    const lastRun = (await (await env.log_archive.get(LAST_RUN_KEY))?.json()) as { trigger: string };
    expect(lastRun.trigger).toBe("cron");
    await expectArchivedExactlyOnce(all);
  });
});

/**
 * KV as it behaves across locations: a deleted key stays listed, and readable
 * with its old value, for `staleMs`; a new key shows up in list() only after a
 * delay of up to `lateMs` (different for each key). Time is `clock()`.
 */
function eventuallyConsistentKv(clock: () => number, staleMs: number, lateMs: number) {
  const tombstones = new Map<string, { value: string; metadata: unknown; until: number }>();
  const stale = (key: string) => {
    const t = tombstones.get(key);
    return t && t.until > clock() ? t : undefined;
  };
  const lag = (name: string) => {
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return h % lateMs;
  };
  return wrapBinding(env.log_state, {
    delete: async (real, ...args) => {
      const key = String(args[0]);
      const old = await env.log_state.getWithMetadata(key, "text");
      if (old.value !== null) tombstones.set(key, { ...old, value: old.value, until: clock() + staleMs });
      return (real as Call)(...args);
    },
    get: async (real, ...args) => {
      const found = await (real as Call)(...args);
      if (Array.isArray(args[0])) {
        const map = found as Map<string, string | null>;
        for (const key of args[0] as string[])
          if (map.get(key) == null && stale(key)) map.set(key, stale(key)?.value ?? null);
        return map;
      }
      return found ?? stale(String(args[0]))?.value ?? null;
    },
    list: async (real, ...args) => {
      const options = (args[0] ?? {}) as KVNamespaceListOptions;
      const all: { name: string; metadata?: unknown }[] = [];
      let cursor: string | undefined;
      do {
        const page = (await (real as Call)({
          prefix: options.prefix,
          cursor,
        })) as KVNamespaceListResult<unknown>;
        all.push(...page.keys);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      const names = new Set(all.map((k) => k.name));
      for (const [name, t] of tombstones) {
        if (!names.has(name) && stale(name) && name.startsWith(options.prefix ?? ""))
          all.push({ name, metadata: t.metadata });
      }
      const now = clock();
      const visible = all
        .filter((k) => (parseLogKey(k.name)?.receivedAtMs ?? 0) + lag(k.name) <= now)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const start = options.cursor ? Number(options.cursor) : 0;
      const end = start + (options.limit ?? 1000);
      const keys = visible.slice(start, end);
      return end >= visible.length
        ? { keys, list_complete: true, cacheStatus: null }
        : { keys, list_complete: false, cursor: String(end), cacheStatus: null };
    },
  }).binding;
}

describe("eventual consistency", () => {
  it("keys deleted but still listed (with stale values) and keys listed late: every id once in R2", async () => {
    const t0 = Date.UTC(2026, 10, 29, 12);
    const all = [
      ...(await seedBatches(60, 2, { startMs: t0 - 600_000 })),
      ...(await seedBatches(60, 2, { startMs: t0 - 40_000 })),
    ];
    let clock = t0;
    const kv = eventuallyConsistentKv(() => clock, 60_000, 60_000);
    const run = (config = { objectMaxBytes: 16 * 1024 }) =>
      archiveLogs({ ...env, log_state: kv }, { trigger: "flush", cutoffMs: clock, now: () => clock, config });

    const first = await run();
    expect(first.keys).toBeGreaterThan(60);
    expect(first.keys, "some keys are not listed yet").toBeLessThan(120);
    // Seconds later (a /flush): the deleted keys are still listed, with their values.
    all.push(...(await seedBatches(20, 2, { startMs: t0 + 1_000 })));
    clock = t0 + 10_000;
    await run();
    expect(duplicateIds(await archivedEntries()), "a stale key was archived again").toEqual([]);
    clock = t0 + 45_000;
    await run();
    expect(duplicateIds(await archivedEntries())).toEqual([]);
    // Once KV has caught up, everything is archived, once.
    clock = t0 + 200_000;
    await run();
    await expectArchivedExactlyOnce(all);
  }, 60_000);
});
