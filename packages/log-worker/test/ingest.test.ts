import { env, exports } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { asBatchMetadata, parseLogKey } from "../src/store/batches";
import { json, logKeys, postLog, resetStorage, storedEntries } from "./helpers";

beforeEach(resetStorage);

describe("POST /log", () => {
  it("stores one entry as one KV value and answers 201 with the key", async () => {
    const before = Date.now();
    const res = await postLog({ level: "warn", message: "disk almost full", service: "api", free: 0.02 });
    expect(res.status).toBe(201);
    const body = await json<{ accepted: number; key: string }>(res);
    expect(body.accepted).toBe(1);
    expect(await logKeys()).toEqual([body.key]);

    const parsed = parseLogKey(body.key);
    expect(parsed).not.toBeNull();
    expect(parsed?.receivedAtMs).toBeGreaterThanOrEqual(before);
    expect(body.key).toMatch(/^log:\d{13}:[a-z2-7]{16}$/);

    const [entry] = await storedEntries();
    expect(entry).toMatchObject({ level: "warn", message: "disk almost full", service: "api", free: 0.02 });
    expect(entry?.id).toEqual(expect.any(String));
    expect(entry?.receivedAt).toBe(new Date(parsed?.receivedAtMs ?? 0).toISOString());
    // No timestamp sent: the time received.
    expect(entry?.timestamp).toBe(entry?.receivedAt);
  });

  it("stores an array as one batch under one key, each entry with a unique id", async () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ message: `line ${i}`, n: i }));
    const res = await postLog(entries);
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ accepted: 50 });
    expect(await logKeys()).toHaveLength(1);
    const stored = await storedEntries();
    expect(stored.map((e) => e.message)).toEqual(entries.map((e) => e.message));
    expect(new Set(stored.map((e) => e.id)).size).toBe(50);
    // Defaults: level info.
    expect(stored.every((e) => e.level === "info")).toBe(true);
  });

  it("normalises ISO-8601 and epoch-ms timestamps to ISO UTC and keeps unknown fields as they are", async () => {
    const res = await postLog([
      { message: "iso", timestamp: "2026-11-28T22:09:13.5+01:00", nested: { a: [1, { b: null }] } },
      { message: "epoch", timestamp: 1_764_000_000_000, requestId: "req-1", tags: ["x"] },
    ]);
    expect(res.status).toBe(201);
    const [iso, epoch] = await storedEntries();
    expect(iso?.timestamp).toBe("2026-11-28T21:09:13.500Z");
    expect(iso?.nested).toEqual({ a: [1, { b: null }] });
    expect(epoch?.timestamp).toBe(new Date(1_764_000_000_000).toISOString());
    expect(epoch).toMatchObject({ requestId: "req-1", tags: ["x"] });
  });

  it("overrides id and receivedAt sent by the client", async () => {
    await postLog({ message: "spoof", id: "mine", receivedAt: "1999-01-01T00:00:00.000Z" });
    const [entry] = await storedEntries();
    expect(entry?.id).not.toBe("mine");
    expect(entry?.receivedAt).not.toBe("1999-01-01T00:00:00.000Z");
  });

  it("writes list metadata that summarises the batch", async () => {
    await postLog([
      { level: "debug", message: "a", service: "api", timestamp: 1000 },
      { level: "error", message: "b", service: "db", timestamp: 5000 },
      { level: "info", message: "c", timestamp: 3000 },
    ]);
    const { keys } = await env.log_state.list({ prefix: "log:" });
    const meta = asBatchMetadata(keys[0]?.metadata);
    const value = await env.log_state.get(keys[0]?.name ?? "");
    expect(meta).toEqual({
      v: 1,
      n: 3,
      b: new TextEncoder().encode(value ?? "").byteLength,
      hi: 3,
      t0: 1000,
      t1: 5000,
      svc: ["api", "db", ""],
    });
  });

  it("keeps list metadata within KV's 1,024 bytes whatever the service names (bytes, not characters)", async () => {
    const cases = [
      [{ message: "one long multibyte name", service: "é".repeat(700) }],
      Array.from({ length: 60 }, (_, i) => ({ message: `m${i}`, service: `サービス${i}番` })),
      Array.from({ length: 200 }, (_, i) => ({ message: `m${i}`, service: `svc-${i}` })),
    ];
    for (const batch of cases) {
      const res = await postLog(batch);
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const { keys } = await env.log_state.list({ prefix: "log:" });
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(new TextEncoder().encode(JSON.stringify(key.metadata)).byteLength).toBeLessThanOrEqual(1024);
      // Too many names to list: no `svc`, so a service filter reads the value instead of skipping it.
      expect(asBatchMetadata(key.metadata)?.svc).toBeUndefined();
    }
    const few = await postLog([{ message: "x", service: "ünïcödé" }]);
    expect(few.status).toBe(201);
  });

  it("accepts the X-Worker-Request header that existing scripts send, and changes nothing", async () => {
    const res = await postLog({ message: "from a script" }, { headers: { "X-Worker-Request": "true" } });
    expect(res.status).toBe(201);
    expect(await storedEntries()).toHaveLength(1);
  });

  it("accepts application/json with a charset parameter", async () => {
    const res = await postLog({ message: "utf8 ✓" }, { contentType: "application/json; charset=utf-8" });
    expect(res.status).toBe(201);
    expect((await storedEntries())[0]?.message).toBe("utf8 ✓");
  });

  it("ignores and keeps a legacy log_keys:index key", async () => {
    await env.log_state.put("log_keys:index", JSON.stringify(["log:old"]));
    expect((await postLog({ message: "x" })).status).toBe(201);
    expect(await env.log_state.get("log_keys:index")).toBe(JSON.stringify(["log:old"]));
  });

  it("answers 405 with the allowed method for GET /log", async () => {
    const res = await exports.default.fetch("https://log-worker.test/log", {
      headers: { "X-API-Key": "test-api-key" },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("POST");
    expect(await json(res)).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});

describe("POST /log over the service binding (LogIngest entrypoint)", () => {
  it("needs no API key", async () => {
    const res = await exports.LogIngest.fetch("https://log-worker/log", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([{ message: "from auth-worker", service: "auth-worker" }]),
    });
    expect(res.status).toBe(201);
    const [entry] = (await storedEntries()) as StoredLogEntry[];
    expect(entry).toMatchObject({ message: "from auth-worker", service: "auth-worker" });
  });

  it("validates like the public route", async () => {
    const res = await exports.LogIngest.fetch("https://log-worker/log", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ level: "loud", message: "x" }),
    });
    expect(res.status).toBe(400);
    expect(await logKeys()).toEqual([]);
  });

  it("serves nothing but ingest: the debug and flush routes are not reachable through it", async () => {
    for (const [method, path] of [
      ["GET", "/debug/kv-logs"],
      ["POST", "/flush"],
    ] as const) {
      const res = await exports.LogIngest.fetch(`https://log-worker${path}`, { method });
      expect(res.status, path).toBe(404);
    }
  });
});
