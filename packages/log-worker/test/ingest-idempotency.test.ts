/** Idempotent ingest (DESIGN "Idempotent ingest") over HTTP and over the RPC method. */
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { ingestEntries } from "../src/ingest/core";
import { parseLogKey } from "../src/store/batches";
import { archivedEntries, duplicateIds, wrapBinding } from "./archive-helpers";
import { adminPost, json, logKeys, postLog, resetStorage, storedEntries } from "./helpers";

beforeEach(resetStorage);

type Answer = { accepted: number; key: string };

describe("POST /log with Idempotency-Key", () => {
  it("a repeated request stores nothing new and names the same key; R2 gets one copy", async () => {
    const body = [{ message: "charge card", requestId: "r-1" }, { message: "charged" }];
    const headers = { "Idempotency-Key": "order-4711-attempt" };
    const first = await postLog(body, { headers });
    const retry = await postLog(body, { headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    const a = await json<Answer>(first);
    const b = await json<Answer>(retry);
    expect(b.key).toBe(a.key);
    expect(await logKeys()).toEqual([a.key]);
    const stored = await storedEntries();
    expect(stored.map((e) => e.message)).toEqual(["charge card", "charged"]);

    expect((await adminPost("/flush")).status).toBe(200);
    // A retry after the archive moved the batch would store it again: not this case.
    const archived = await archivedEntries();
    expect(archived).toHaveLength(2);
    expect(duplicateIds(archived)).toEqual([]);
  });

  it("another key is another batch, even with the same body; no key, every request a new batch", async () => {
    const body = { message: "same body" };
    const a = await json<Answer>(await postLog(body, { headers: { "Idempotency-Key": "key-aaaaaaaa" } }));
    const b = await json<Answer>(await postLog(body, { headers: { "Idempotency-Key": "key-bbbbbbbb" } }));
    await postLog(body);
    await postLog(body);
    expect(a.key).not.toBe(b.key);
    expect(await logKeys()).toHaveLength(4);
  });

  it("a key starting with the first attempt's epoch ms keeps that time in the batch key", async () => {
    const firstAttempt = Date.now() - 15_000;
    const key = `${firstAttempt}-3f0c7e1a-retry`;
    const answer = await json<Answer>(
      await postLog({ message: "late retry" }, { headers: { "Idempotency-Key": key } }),
    );
    expect(parseLogKey(answer.key)?.receivedAtMs).toBe(firstAttempt);
  });

  it("a free-form key files the batch at the start of the current UTC day", async () => {
    const answer = await json<Answer>(
      await postLog({ message: "x" }, { headers: { "Idempotency-Key": "free-form-key" } }),
    );
    const now = Date.now();
    expect(parseLogKey(answer.key)?.receivedAtMs).toBe(now - (now % 86_400_000));
    // Entries still carry the time they were received.
    const [entry] = await storedEntries();
    expect(Date.parse(entry?.receivedAt ?? "")).toBeGreaterThan(now - 60_000);
  });

  it.each([
    ["too short", "short"],
    ["too long", "k".repeat(129)],
    ["a space", "has a space"],
    ["a slash", "a/b/c/d/e/f"],
  ])("refuses a key with %s: 400 invalid_idempotency_key, nothing stored", async (_, key) => {
    const res = await postLog({ message: "x" }, { headers: { "Idempotency-Key": key } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_idempotency_key" } });
    expect(await logKeys()).toEqual([]);
  });

  it("two producers' identical keys never share a batch (the server fields scope the key)", async () => {
    const a = await ingestEntries(
      env,
      { message: "a" },
      { idempotencyKey: "shared-key-1", fields: { ingestKey: "a" } },
    );
    const b = await ingestEntries(
      env,
      { message: "b" },
      { idempotencyKey: "shared-key-1", fields: { ingestKey: "b" } },
    );
    expect(a.key).not.toBe(b.key);
    expect((await storedEntries()).map((e) => [e.message, e.ingestKey]).sort()).toEqual([
      ["a", "a"],
      ["b", "b"],
    ]);
  });
});

describe("LogIngest.ingest (RPC over the service binding)", () => {
  it("stores a batch and, retried with the same key, answers the same key and stores nothing new", async () => {
    const idempotencyKey = `${Date.now()}-${crypto.randomUUID()}`;
    const entries = [{ message: "from auth-worker", service: "auth-worker" }];
    const first = await exports.LogIngest.ingest(entries, { idempotencyKey });
    const retry = await exports.LogIngest.ingest(entries, { idempotencyKey });
    expect(first).toMatchObject({ ok: true, accepted: 1 });
    expect(retry).toEqual(first);
    expect(await logKeys()).toHaveLength(1);
    expect(await storedEntries()).toMatchObject([{ message: "from auth-worker", service: "auth-worker" }]);
  });

  it("answers a typed, non-retryable failure for an invalid batch, storing nothing", async () => {
    const result = await exports.LogIngest.ingest([{ message: "" }], { idempotencyKey: "rpc-invalid-1" });
    expect(result).toMatchObject({ ok: false, status: 400, code: "invalid_entry", retryable: false });
    expect(await logKeys()).toEqual([]);
  });

  it("a value JSON cannot hold (a BigInt) is a non-retryable 400, not an internal error", async () => {
    const result = await exports.LogIngest.ingest([{ message: "big", n: 10n } as never], {
      idempotencyKey: "rpc-bigint-1",
    });
    expect(result).toMatchObject({ ok: false, status: 400, code: "invalid_entry", retryable: false });
    expect(await logKeys()).toEqual([]);
  });

  it("a storage failure is a retryable 503 with a delay; nothing is half stored", async () => {
    const { binding } = wrapBinding(env.log_state, {
      put: () => Promise.reject(new Error("KV unavailable")),
    });
    await expect(ingestEntries({ log_state: binding }, [{ message: "x" }])).rejects.toMatchObject({
      status: 503,
      code: "storage_unavailable",
      headers: { "Retry-After": "1" },
    });
    expect(await logKeys()).toEqual([]);
  });
});
