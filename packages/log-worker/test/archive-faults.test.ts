/**
 * Faults injected by wrapping the real local KV and R2 bindings. Each test
 * fails if the safety it names is taken out of the archive job.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { ArchiveBusy, ArchiveFailed, archiveLogs } from "../src/archive";
import { JOURNAL_PREFIX, LEASE_KEY, PENDING_KEY } from "../src/archive-layout";
import { runScheduled } from "../src/scheduled";
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
    expect(await env.log_archive.head(PENDING_KEY)).not.toBeNull();
    expect(await env.log_archive.head(LEASE_KEY)).toBeNull();

    const next = await archiveLogs(env, { trigger: "drain", cutoffMs: Date.now(), config: SMALL_OBJECTS });
    expect(next.recovered).toBe(1);
    await expectArchivedExactlyOnce(all);
    expect(await journals()).toEqual([]);
    expect(await env.log_archive.head(PENDING_KEY)).toBeNull();
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
    expect(await env.log_archive.head(PENDING_KEY)).not.toBeNull();
  });

  it("expired: taken over, the run completes and releases it", async () => {
    const all = await seedBatches(5, 2);
    await holdLease(-1);
    const result = await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    expect(result.keys).toBe(5);
    await expectArchivedExactlyOnce(all);
    expect(await env.log_archive.head(LEASE_KEY)).toBeNull();
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
  });
});
