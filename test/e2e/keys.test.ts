/**
 * Scoped keys under `wrangler dev`: LOG_INGEST_KEYS and LOG_READ_KEYS reach the
 * worker from the env file (they are in `[secrets] required`; wrangler dev
 * drops any other name), and each key opens only its scope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, TEST_INGEST_KEY, TEST_READ_KEY } from "./stack";

describe("scoped keys under wrangler dev", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(stack.logWorker.url + path, { ...init, headers: { ...init.headers, "X-API-Key": key } });

  it("/health counts one key per scope", async () => {
    const res = await fetch(`${stack.logWorker.url}/health`);
    expect(await res.json()).toMatchObject({
      ok: true,
      scopes: { ingest: { keys: 1 }, read: { keys: 1 }, admin: { keys: 1 } },
    });
  });

  it("an ingest key sends but cannot read; a read key reads but cannot send or flush", async () => {
    const marker = `e2e-keys-${crypto.randomUUID()}`;
    const post = (key: string) =>
      call("/log", key, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: marker, service: "e2e" }),
      });
    expect((await post(TEST_INGEST_KEY)).status).toBe(201);
    expect((await post(TEST_READ_KEY)).status).toBe(403);
    expect((await call(`/debug/kv-logs?q=${marker}`, TEST_INGEST_KEY)).status).toBe(403);
    const flush = await call("/flush", TEST_READ_KEY, { method: "POST" });
    expect(flush.status).toBe(403);
    expect(await flush.json()).toMatchObject({ error: { code: "forbidden" } });

    const read = await call(`/debug/kv-logs?q=${marker}`, TEST_READ_KEY);
    expect(read.status).toBe(200);
    const { logs } = (await read.json()) as { logs: Record<string, unknown>[] };
    expect(logs).toHaveLength(1);
    // The key's name from LOG_INGEST_KEYS, set by the server.
    expect(logs[0]?.ingestKey).toBe("e2e-producer");
  });
});
