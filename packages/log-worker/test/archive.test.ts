import { env, exports } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { LAST_RUN_KEY } from "../src/archive/layout";
import { readLease } from "../src/archive/lease";
import { archiveLogs } from "../src/archive/run";
import { archivedEntries, duplicateIds, readArchive, seedBatches } from "./archive-helpers";
import { API_KEY, adminGet, json, logKeys, postLog, resetStorage, storedEntries } from "./helpers";

beforeEach(resetStorage);

const flush = () =>
  exports.default.fetch("https://log-worker.test/flush", {
    method: "POST",
    headers: { "X-API-Key": API_KEY, "X-Worker-Request": "true" },
  });

type FlushBody = { archived: number; keys: number; objects: string[]; remaining: boolean };

describe("POST /flush", () => {
  it("moves every waiting entry to gzip NDJSON in R2 and deletes exactly those keys", async () => {
    await postLog([
      { level: "warn", message: "one", service: "api", extra: { a: [1, 2] } },
      { message: "two", requestId: "r-1" },
    ]);
    await postLog({ level: "error", message: "three" });
    const waiting = await storedEntries();

    const res = await flush();
    expect(res.status).toBe(200);
    const body = await json<FlushBody>(res);
    expect(body).toMatchObject({ archived: 3, keys: 2, remaining: false });
    expect(body.objects).toHaveLength(1);
    expect(body.objects[0]).toMatch(/^logs\/dt=\d{4}-\d{2}-\d{2}\/\d{13}-[0-9a-f]{20}\.ndjson\.gz$/);

    expect(await logKeys()).toEqual([]);
    const [object] = await readArchive();
    expect(object?.key).toBe(body.objects[0]);
    // Every field as stored, one line per entry, in arrival order.
    expect(object?.entries).toEqual(waiting);
    expect(object?.customMetadata?.entries).toBe("3");
  });

  it("answers archived: 0 when nothing waits, and keeps answering the same way", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await flush();
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ archived: 0, keys: 0, objects: [], remaining: false });
    }
    expect(await readArchive()).toEqual([]);
  });

  it("partitions by each entry's own UTC date", async () => {
    await postLog([
      { message: "late on the 1st", timestamp: "2026-11-01T23:59:59.999Z" },
      { message: "early on the 2nd", timestamp: "2026-11-02T00:00:00+00:00" },
      { message: "the 2nd in Tokyo is still the 1st in UTC", timestamp: "2026-11-02T08:00:00+09:00" },
    ]);
    const body = await json<FlushBody>(await flush());
    expect(body.objects.map((k) => k.split("/")[1])).toEqual(["dt=2026-11-01", "dt=2026-11-02"]);
    const objects = await readArchive();
    const byDate = Object.fromEntries(
      objects.map((o) => [o.key.split("/")[1], o.entries.map((e) => e.message)]),
    );
    expect(byDate).toEqual({
      "dt=2026-11-01": ["late on the 1st", "the 2nd in Tokyo is still the 1st in UTC"],
      "dt=2026-11-02": ["early on the 2nd"],
    });
  });

  it("removes the legacy log_keys:index key", async () => {
    await env.log_state.put("log_keys:index", JSON.stringify(["log:1:x"]));
    await postLog({ message: "x" });
    expect((await flush()).status).toBe(200);
    expect(await env.log_state.get("log_keys:index")).toBeNull();
  });

  it("archives values it did not write itself instead of dropping them or getting stuck", async () => {
    await env.log_state.put(
      "log:1700000000000:legacyaaaaaaaaaa",
      JSON.stringify({ message: "old single entry" }),
    );
    await env.log_state.put("log:1700000000001:brokenaaaaaaaaaa", "{not json");
    const body = await json<FlushBody>(await flush());
    expect(body.keys).toBe(2);
    expect(await logKeys()).toEqual([]);
    const entries = await archivedEntries();
    expect(entries.map((e) => e.message)).toEqual([
      "old single entry",
      "stored value was not JSON; archived as raw text",
    ]);
    expect(entries[1]).toMatchObject({ raw: "{not json", kvKey: "log:1700000000001:brokenaaaaaaaaaa" });
  });

  it("refuses GET with 405 and requires the key", async () => {
    const get = await exports.default.fetch("https://log-worker.test/flush", {
      headers: { "X-API-Key": API_KEY },
    });
    expect(get.status).toBe(405);
    const anonymous = await exports.default.fetch("https://log-worker.test/flush", { method: "POST" });
    expect(anonymous.status).toBe(401);
  });
});

describe("archiveLogs", () => {
  it("leaves batches received at or after the cutoff for the next run", async () => {
    const cutoff = Date.UTC(2026, 10, 27, 12) + 30;
    const all = await seedBatches(60, 2);
    const result = await archiveLogs(env, { trigger: "cron", cutoffMs: cutoff });
    expect(result).toMatchObject({ keys: 30, archived: 60, remaining: false });
    expect(await logKeys()).toHaveLength(30);
    const archivedIds = (await archivedEntries()).map((e) => e.id);
    expect(archivedIds).toEqual(all.slice(0, 60).map((e) => e.id));
  });

  it("cuts objects at the size bound, each object at most the bound", async () => {
    const bound = 64 * 1024;
    await seedBatches(120, 5); // ≈ 120 × 5 × 330 B ≈ 200 KB of NDJSON
    const result = await archiveLogs(env, {
      trigger: "flush",
      cutoffMs: Date.now(),
      config: { objectMaxBytes: bound },
    });
    expect(result.keys).toBe(120);
    const objects = await readArchive();
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const o of objects) expect(o.ndjsonBytes).toBeLessThanOrEqual(bound);
    const entries = objects.flatMap((o) => o.entries);
    expect(entries).toHaveLength(600);
    expect(duplicateIds(entries)).toEqual([]);
  });

  it("gives the same object names for the same keys (so a repeated segment never adds a copy)", async () => {
    const keysA = await seedBatches(10, 1, { startMs: Date.UTC(2026, 0, 1) });
    const first = await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    // Put the very same batches back and archive again: same keys → same names.
    await resetStorage();
    for (const e of keysA) {
      const key = `log:${e.id.split("-")[0]}:${e.id.split("-")[1]}`;
      await env.log_state.put(key, JSON.stringify([e]), {
        metadata: { v: 1, n: 1, b: 10, hi: 1, t0: Date.parse(e.timestamp), t1: Date.parse(e.timestamp) },
      });
    }
    const second = await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    expect(second.objects).toEqual(first.objects);
  });

  it("records the run for /debug/stats and releases the lease", async () => {
    await seedBatches(5, 3);
    const result = await archiveLogs(env, { trigger: "flush", cutoffMs: Date.now() });
    expect(await readLease(env.log_archive)).toBeNull();
    expect(await env.log_archive.head(LAST_RUN_KEY)).not.toBeNull();
    const stats = await json<{ lastRun: Record<string, unknown>; pending: unknown; lease: unknown }>(
      await adminGet("/debug/stats"),
    );
    expect(stats.lastRun).toMatchObject({
      runId: result.runId,
      trigger: "flush",
      ok: true,
      keys: 5,
      entries: 15,
      objects: 1,
      remaining: false,
    });
    expect(stats.lastRun.startedAt).toEqual(expect.any(String));
    expect(stats.lastRun.finishedAt).toEqual(expect.any(String));
    expect(stats.pending).toBeNull();
    expect(stats.lease).toBeNull();
  });
});

describe("GET /debug/r2-logs", () => {
  beforeEach(async () => {
    await postLog([
      { message: "a", timestamp: "2026-11-01T10:00:00Z" },
      { message: "b", timestamp: "2026-11-02T10:00:00Z" },
      { message: "c", timestamp: "2026-11-02T11:00:00Z" },
    ]);
    await flush();
  });

  it("lists archived objects with size, upload time and entry count", async () => {
    const body = await json<{ objects: Record<string, unknown>[]; cursor: string | null }>(
      await adminGet("/debug/r2-logs"),
    );
    expect(body.cursor).toBeNull();
    expect(body.objects).toHaveLength(2);
    expect(body.objects[1]).toMatchObject({
      entries: 2,
      size: expect.any(Number),
      uploaded: expect.any(String),
    });
    expect(String(body.objects[0]?.key)).toMatch(/^logs\/dt=2026-11-01\//);
  });

  it("filters by date and pages with limit and cursor", async () => {
    const day = await json<{ objects: { key: string }[] }>(await adminGet("/debug/r2-logs?date=2026-11-02"));
    expect(day.objects.map((o) => o.key.split("/")[1])).toEqual(["dt=2026-11-02"]);
    const first = await json<{ objects: { key: string }[]; cursor: string | null }>(
      await adminGet("/debug/r2-logs?limit=1"),
    );
    expect(first.objects).toHaveLength(1);
    expect(first.cursor).not.toBeNull();
    const second = await json<{ objects: { key: string }[]; cursor: string | null }>(
      await adminGet(`/debug/r2-logs?limit=1&cursor=${encodeURIComponent(first.cursor ?? "")}`),
    );
    expect(second.objects[0]?.key).not.toBe(first.objects[0]?.key);
  });

  it("refuses a bad date or limit with 400 invalid_query", async () => {
    for (const q of ["date=2026-13-01", "date=yesterday", "limit=0", "limit=5000"]) {
      const res = await adminGet(`/debug/r2-logs?${q}`);
      expect(res.status, q).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: "invalid_query" } });
    }
  });

  it("serves an object's entries as decompressed NDJSON", async () => {
    const { objects } = await json<{ objects: { key: string }[] }>(
      await adminGet("/debug/r2-logs?date=2026-11-02"),
    );
    const res = await adminGet(`/debug/r2-logs/${objects[0]?.key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as StoredLogEntry);
    expect(lines.map((e) => e.message)).toEqual(["b", "c"]);
    expect(lines[0]?.id).toEqual(expect.any(String));
  });

  it("answers 404 for a missing object or a control object", async () => {
    for (const key of ["logs/dt=2026-01-01/nope.ndjson.gz", "_archive/last-run.json"]) {
      const res = await adminGet(`/debug/r2-logs/${key}`);
      expect(res.status, key).toBe(404);
      expect(await json(res)).toMatchObject({ error: { code: "not_found" } });
    }
  });
});
