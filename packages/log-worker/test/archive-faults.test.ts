/**
 * Faults injected by wrapping the real local KV and R2 bindings. Each test
 * fails if the safety it names is taken out of the archive job.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { OpBudget } from "../src/archive/budget";
import { JOURNAL_PREFIX, LEASE_KEY } from "../src/archive/layout";
import { readLease } from "../src/archive/lease";
import { ArchiveBusy, ArchiveFailed, archiveLogs } from "../src/archive/run";
import { runScheduled } from "../src/archive/scheduled";
import { clearDrain, LIST_LAG_MS, markDrainDue, readPending } from "../src/archive/state";
import { archivedEntries, duplicateIds, seedBatches, wrapBinding } from "./archive-helpers";
import { API_KEY, json, logKeys, postLog, resetStorage } from "./helpers";

beforeEach(resetStorage);

const SMALL_OBJECTS = { objectMaxBytes: 16 * 1024 }; // several segments from a few dozen batches

function ids(entries: readonly StoredLogEntry[]): string[] {
  return entries.map((e) => e.id).sort();
}

async function expectArchivedExactlyOnce(expected: readonly StoredLogEntry[]) {
  const archived = await archivedEntries();
  expect(duplicateIds(archived), "no id may be archived twice").toEqual([]);
  expect(ids(archived)).toEqual(ids(expected));
  expect(await logKeys(), "no log: key may be left").toEqual([]);
}

async function journals(): Promise<string[]> {
  return (await env.log_archive.list({ prefix: JOURNAL_PREFIX })).objects.map((o) => o.key);
}

describe("R2 put fails", () => {
  it("deletes no key whose entries were not written, fails clearly, and the next run archives everything once", async () => {
    const all = await seedBatches(40, 3);
    let archivePuts = 0;
    const failing = wrapBinding(env.log_archive, {
      put: (real, ...args) => {
        const key = String(args[0]);
        // The second archive object fails: the first segment is committed, the rest not.
        if (key.startsWith("logs/") && ++archivePuts === 2) return Promise.reject(new Error("R2 is down"));
        return (real as (...a: unknown[]) => unknown)(...args);
      },
    });
    const run = archiveLogs(
      { ...env, log_archive: failing.binding },
      { trigger: "flush", cutoffMs: Date.now(), config: SMALL_OBJECTS },
    );
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArchiveFailed);
    expect((error as ArchiveFailed).message).toMatch(/R2 is down/);

    // Only keys of the committed segment were deleted, and their entries are in R2.
    const partial = await archivedEntries();
    const left = await logKeys();
    expect(partial.length).toBeGreaterThan(0);
    expect(left.length).toBeGreaterThan(0);
    expect(partial.length + left.length * 3).toBe(all.length);
    // The failure left a journal, a pending marker for the drain cron, and no lease.
    expect(await journals()).toHaveLength(1);
    expect(await readPending(env.log_archive)).not.toBeNull();
    expect(await readLease(env.log_archive)).toBeNull();

    // The drain comes minutes later (and so may clear the marker: see the midnight gap).
    const later = Date.now() + LIST_LAG_MS;
    const next = await archiveLogs(env, {
      trigger: "drain",
      cutoffMs: Date.now(),
      config: SMALL_OBJECTS,
      now: () => later,
    });
    expect(next.recovered).toBe(1);
    await expectArchivedExactlyOnce(all);
    expect(await journals()).toEqual([]);
    expect(await readPending(env.log_archive)).toBeNull();
  });

  it("the journal put failing deletes nothing", async () => {
    const all = await seedBatches(10, 2);
    const failing = wrapBinding(env.log_archive, {
      put: (real, ...args) =>
        String(args[0]).startsWith(JOURNAL_PREFIX)
          ? Promise.reject(new Error("R2 is down"))
          : (real as (...a: unknown[]) => unknown)(...args),
    });
    await expect(
      archiveLogs({ ...env, log_archive: failing.binding }, { trigger: "flush", cutoffMs: Date.now() }),
    ).rejects.toBeInstanceOf(ArchiveFailed);
    expect(await logKeys()).toHaveLength(10);
    await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    await expectArchivedExactlyOnce(all);
  });

  it("POST /flush answers 503 archive_failed saying nothing unarchived was deleted", async () => {
    await postLog([{ message: "a" }, { message: "b" }]);
    const failing = wrapBinding(env.log_archive, {
      put: (real, ...args) =>
        String(args[0]).startsWith("logs/")
          ? Promise.reject(new Error("R2 is down"))
          : (real as (...a: unknown[]) => unknown)(...args),
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("https://log-worker.test/flush", { method: "POST", headers: { "X-API-Key": API_KEY } }),
      { ...env, log_archive: failing.binding },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    const body = await json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe("archive_failed");
    expect(body.error.message).toMatch(/Nothing that was not archived has been deleted/);
    expect(await logKeys()).toHaveLength(1);
  });
});

describe("KV deletes fail half-way", () => {
  it.each([0, 7, 25])(
    "after %i deletes: the re-run leaves every id in R2 exactly once and no key in KV",
    async (succeeding) => {
      const all = await seedBatches(40, 3);
      let deletes = 0;
      const failing = wrapBinding(env.log_state, {
        delete: (real, ...args) =>
          String(args[0]).startsWith("log:") && ++deletes > succeeding
            ? Promise.reject(new Error("KV delete failed"))
            : (real as (...a: unknown[]) => unknown)(...args),
      });
      await expect(
        archiveLogs({ ...env, log_state: failing.binding }, { trigger: "cron", cutoffMs: Date.now() }),
      ).rejects.toBeInstanceOf(ArchiveFailed);
      // Some (or all) keys are still in KV although their entries are already in R2.
      expect((await logKeys()).length).toBeGreaterThan(0);

      const next = await archiveLogs(env, { trigger: "drain", cutoffMs: Date.now() });
      expect(next.recovered).toBe(1);
      await expectArchivedExactlyOnce(all);
    },
  );

  it("a crash (not an error) between the R2 put and the KV deletes is finished by the next run", async () => {
    const all = await seedBatches(30, 2, { startMs: Date.UTC(2026, 10, 20) });
    // Simulate the isolate dying: the delete never returns, and the run is abandoned.
    const hanging = wrapBinding(env.log_state, { delete: () => new Promise(() => {}) });
    const abandoned = archiveLogs(
      { ...env, log_state: hanging.binding },
      { trigger: "cron", cutoffMs: Date.now(), config: { leaseMs: 1_000 } },
    );
    // Wait until the objects and the journal are written, then walk away.
    for (let i = 0; i < 200 && (hanging.calls.delete ?? 0) === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(hanging.calls.delete).toBeGreaterThan(0);
    void abandoned;
    // The lease of the dead run expires; the next run takes it over and finishes the segment.
    await new Promise((r) => setTimeout(r, 1_100));
    const next = await archiveLogs(env, { trigger: "drain", cutoffMs: Date.now() });
    expect(next.recovered).toBe(1);
    await expectArchivedExactlyOnce(all);
  });
});

describe("the lease", () => {
  async function holdLease(expiresInMs: number) {
    await env.log_archive.put(
      LEASE_KEY,
      JSON.stringify({
        runId: "other-run",
        trigger: "cron",
        acquiredAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      }),
    );
  }

  it("held: POST /flush answers 409 flush_in_progress and touches nothing", async () => {
    await postLog({ message: "waits" });
    await holdLease(60_000);
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("https://log-worker.test/flush", { method: "POST", headers: { "X-API-Key": API_KEY } }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(409);
    const body = await json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe("flush_in_progress");
    expect(body.error.message).toMatch(/other-run/);
    expect(await logKeys()).toHaveLength(1);
    expect(await archivedEntries()).toEqual([]);
  });

  it("held: the cron skips, leaving a pending marker for the drain", async () => {
    await postLog({ message: "waits" });
    await holdLease(60_000);
    const outcome = await runScheduled(env, { cron: "0 0 * * *", scheduledTime: Date.now() + 1 });
    expect(outcome).toMatchObject({ ran: false, reason: "busy" });
    expect(await logKeys()).toHaveLength(1);
    expect(await readPending(env.log_archive)).not.toBeNull();
  });

  it("expired: taken over, the run completes and releases it", async () => {
    const all = await seedBatches(5, 2);
    await holdLease(-1);
    const result = await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    expect(result.keys).toBe(5);
    await expectArchivedExactlyOnce(all);
    expect(await readLease(env.log_archive)).toBeNull();
  });

  it("two runs started together: exactly one runs, the other is refused", async () => {
    const all = await seedBatches(30, 2);
    const outcomes = await Promise.allSettled([
      archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() }),
      archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === "rejected");
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(ArchiveBusy);
    await expectArchivedExactlyOnce(all);
  });
});

describe("no loss under concurrency", () => {
  it("entries POSTed while a flush runs are archived by the next run; every 2xx is in R2 exactly once", async () => {
    await seedBatches(300, 3);
    const accepted: string[] = [];
    const post = async (i: number) => {
      const res = await postLog([{ message: `during ${i}` }]);
      if (res.status === 201) accepted.push(`during ${i}`);
    };
    const [first] = await Promise.all([
      archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() }),
      ...Array.from({ length: 50 }, (_, i) => post(i)),
    ]);
    expect(first.keys).toBeGreaterThan(0);
    expect(accepted).toHaveLength(50);
    await new Promise((r) => setTimeout(r, 2));
    await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    const archived = await archivedEntries();
    expect(duplicateIds(archived)).toEqual([]);
    expect(archived).toHaveLength(900 + 50);
    const messages = new Set(archived.map((e) => e.message));
    for (const m of accepted) expect(messages.has(m), m).toBe(true);
    expect(await logKeys()).toEqual([]);
  }, 60_000);
});

describe("journals", () => {
  it("a journal larger than one budget is finished over several smaller invocations", async () => {
    const all = await seedBatches(400, 1);
    // A run with a large budget dies after writing its objects, before deleting.
    const failing = wrapBinding(env.log_state, {
      delete: (real, ...args) =>
        String(args[0]).startsWith("log:")
          ? Promise.reject(new Error("KV delete failed"))
          : (real as (...a: unknown[]) => unknown)(...args),
    });
    await expect(
      archiveLogs({ ...env, log_state: failing.binding }, { trigger: "cron", cutoffMs: Date.now() }),
    ).rejects.toBeInstanceOf(ArchiveFailed);
    expect(await logKeys()).toHaveLength(400);
    // The operator lowered the budget meanwhile: each drain finishes part of the journal.
    let runs = 0;
    while ((await logKeys()).length > 0 || (await journals()).length > 0) {
      runs++;
      expect(runs).toBeLessThan(20);
      const result = await archiveLogs(env, {
        trigger: "drain",
        cutoffMs: Date.now(),
        config: { opsBudget: 120 },
      });
      expect(result.ops).toBeLessThanOrEqual(120);
    }
    expect(runs).toBeGreaterThan(2);
    await expectArchivedExactlyOnce(all);
  }, 60_000);

  it("invocations cut off by the platform's subrequest limit still make progress and lose nothing", async () => {
    const all = await seedBatches(300, 2);
    // Simulate Free's subrequest cap below the configured budget: after `cap`
    // calls in one invocation, every KV and R2 call fails.
    const cap = 150;
    let invocation = 0;
    const capped = () => {
      let calls = 0;
      const limit = (real: unknown, ...args: unknown[]) => {
        if (++calls > cap) return Promise.reject(new Error("Too many subrequests"));
        return (real as (...a: unknown[]) => unknown)(...args);
      };
      const methods = { get: limit, put: limit, delete: limit, list: limit, head: limit };
      return {
        ...env,
        log_state: wrapBinding(env.log_state, methods).binding,
        log_archive: wrapBinding(env.log_archive, methods).binding,
      };
    };
    let left = 300;
    let stuck = 0;
    while (left > 0 || (await journals()).length > 0) {
      invocation++;
      expect(invocation, "each invocation must make progress").toBeLessThan(60);
      // A cut-off run cannot release its lease: the next one comes after it expired.
      const nowMs = Date.now() + invocation * 400_000;
      await archiveLogs(capped(), { trigger: "drain", cutoffMs: Date.now(), now: () => nowMs }).catch(
        () => {},
      );
      const now = (await logKeys()).length;
      stuck = now === left ? stuck + 1 : 0;
      expect(stuck, "two invocations in a row without progress").toBeLessThan(2);
      left = now;
    }
    await expectArchivedExactlyOnce(all);
  }, 60_000);

  it("an unreadable journal is moved aside and never blocks the archive", async () => {
    const all = await seedBatches(5, 2);
    await env.log_archive.put(`${JOURNAL_PREFIX}garbage.json`, JSON.stringify({ seg: "x", k: [] }));
    await env.log_archive.put(`${JOURNAL_PREFIX}not-json.json`, "{");
    const result = await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    expect(result).toMatchObject({ keys: 5, remaining: false });
    await expectArchivedExactlyOnce(all);
    expect(await journals()).toEqual([]);
    const aside = await env.log_archive.list({ prefix: "_archive/journal-invalid/" });
    expect(aside.objects.map((o) => o.key).sort()).toEqual([
      "_archive/journal-invalid/garbage.json",
      "_archive/journal-invalid/not-json.json",
    ]);
  });
});

describe("lease renewal", () => {
  it("a run that lost its lease to another run stops without committing, and leaves the other's lease alone", async () => {
    await seedBatches(20, 2);
    const leaseMs = 60_000;
    let clock = Date.now();
    const kv = wrapBinding(env.log_state, {
      list: async (real, ...args) => {
        const page = await (real as (...a: unknown[]) => Promise<unknown>)(...args);
        // While this run reads, time passes and another run takes the lease over.
        clock += leaseMs;
        await env.log_archive.put(
          LEASE_KEY,
          JSON.stringify({
            runId: "other-run",
            trigger: "drain",
            acquiredAt: new Date(clock).toISOString(),
            expiresAt: new Date(clock + leaseMs).toISOString(),
          }),
        );
        return page;
      },
    });
    const run = archiveLogs(
      { ...env, log_state: kv.binding },
      { trigger: "cron", cutoffMs: Date.now(), now: () => clock, config: { leaseMs } },
    );
    await expect(run).rejects.toBeInstanceOf(ArchiveBusy);
    expect(await logKeys()).toHaveLength(20);
    expect(await archivedEntries()).toEqual([]);
    expect((await readLease(env.log_archive, clock))?.runId).toBe("other-run");
  });

  it("a long run renews its lease and finishes", async () => {
    const all = await seedBatches(30, 1);
    let clock = Date.now();
    const kv = wrapBinding(env.log_state, {
      get: (real, ...args) => {
        clock += 25_000; // each read takes "25 s": the 60 s lease needs renewing
        return (real as (...a: unknown[]) => unknown)(...args);
      },
    });
    const result = await archiveLogs(
      { ...env, log_state: kv.binding },
      {
        trigger: "cron",
        cutoffMs: Date.now(),
        now: () => clock,
        config: { leaseMs: 60_000, objectMaxBytes: 4096 },
      },
    );
    expect(result.remaining).toBe(false);
    await expectArchivedExactlyOnce(all);
  });
});

describe("the drain marker", () => {
  it("a run that finishes does not clear a later cutoff set meanwhile", async () => {
    await markDrainDue(env.log_archive, new OpBudget(10), 5_000, "test");
    await clearDrain(env.log_archive, new OpBudget(10), 4_000, Date.now());
    expect((await readPending(env.log_archive))?.cutoffMs).toBe(5_000);
    await clearDrain(env.log_archive, new OpBudget(10), 5_000, Date.now());
    expect(await readPending(env.log_archive)).toBeNull();
  });

  it("marking keeps the later of two cutoffs", async () => {
    await markDrainDue(env.log_archive, new OpBudget(10), 9_000, "a");
    await markDrainDue(env.log_archive, new OpBudget(10), 7_000, "b");
    expect((await readPending(env.log_archive))?.cutoffMs).toBe(9_000);
  });
});
