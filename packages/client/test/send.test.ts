// sendLog over a real service binding to a scripted stand-in for log-worker's
// LogIngest (test/log-sink.js), except where a test needs to see the client's
// own timing (an in-isolate object with an `ingest` method).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { IngestResult } from "../src/schema";
import { type IngestBinding, SEND_LIMITS, sendLog } from "../src/send";
import { FAST, type LostLine, sink } from "./binding-double";

const KEY = /^\d{13}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

function lostLines(): LostLine[] {
  return consoleError.mock.calls.map((args) => JSON.parse(String(args[0])) as LostLine);
}

/** An in-isolate binding: records calls, answers with `answer` (default: ok). */
function localBinding(
  answer: () => Promise<IngestResult> = async () => ({ ok: true, accepted: 1, key: "k" }),
) {
  const calls: { entries: unknown[]; idempotencyKey: string }[] = [];
  const binding: IngestBinding = {
    ingest(entries, options) {
      calls.push({ entries, idempotencyKey: options.idempotencyKey });
      return answer();
    },
  };
  return { binding, calls };
}

describe("sendLog delivery", () => {
  it("does not touch the binding before the caller's task is over (one macrotask later)", async () => {
    const { binding, calls } = localBinding();
    const sent = sendLog(binding, null, { message: "after the response" });
    // However many microtasks run, the caller's response goes out before the send starts.
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(calls).toEqual([]);
    await sent;
    expect(calls).toHaveLength(1);
  });

  it("calls ingest once with the entries and an idempotency key starting with the epoch ms", async () => {
    const s = await sink();
    const before = Date.now();
    await sendLog(s.binding, null, [
      { message: "one", service: "svc" },
      { level: "warn", message: "two", n: 2 },
    ]);
    const [call, ...more] = await s.calls();
    expect(more).toEqual([]);
    expect(call?.entries).toEqual([
      { message: "one", service: "svc" },
      { level: "warn", message: "two", n: 2 },
    ]);
    expect(call?.idempotencyKey).toMatch(KEY);
    expect(Number(call?.idempotencyKey.slice(0, 13))).toBeGreaterThanOrEqual(before);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("hands the work to ctx.waitUntil and returns before delivery", async () => {
    let release: (result: IngestResult) => void = () => {};
    const { binding, calls } = localBinding(() => new Promise((resolve) => (release = resolve)));
    const ctx = createExecutionContext();
    const waitUntil = vi.spyOn(ctx, "waitUntil");
    let settled = false;
    const sent = sendLog(binding, ctx, { message: "later" }).then(() => {
      settled = true;
    });
    expect(waitUntil).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(settled).toBe(false);
    release({ ok: true, accepted: 1, key: "k" });
    await waitOnExecutionContext(ctx);
    await sent;
    expect(settled).toBe(true);
  });

  it("splits a large send into batches of at most 128 KiB, each with its own key, in order", async () => {
    const s = await sink();
    const entries = Array.from({ length: 300 }, (_, i) => ({ message: `big ${i}`, blob: "x".repeat(1_000) }));
    await sendLog(s.binding, null, entries);
    const calls = await s.calls();
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) expect(bytes(call.json)).toBeLessThanOrEqual(SEND_LIMITS.maxBatchBytes);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(calls.length);
    expect(calls.flatMap((c) => c.entries.map((e) => e.message))).toEqual(entries.map((e) => e.message));
  });

  it("redacts before sending, and copies the entries when called", async () => {
    const s = await sink();
    const entry = {
      message: "login",
      password: "hunter2",
      nested: { headers: { Authorization: "Bearer abc.def" } },
      n: 1,
    };
    const sent = sendLog(s.binding, null, entry);
    entry.n = 2;
    await sent;
    const [call] = await s.calls();
    expect(call?.json).not.toContain("hunter2");
    expect(call?.json).not.toContain("abc.def");
    expect(call?.entries).toEqual([
      {
        message: "login",
        password: "[REDACTED]",
        nested: { headers: { Authorization: "[REDACTED]" } },
        n: 1,
      },
    ]);
  });

  it("cuts an entry over log-worker's 64 KiB limit down to what identifies it", async () => {
    const s = await sink();
    // Multi-byte text: within the copy's character budget, over the byte limit.
    const wide = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`f${i}`, "é€".repeat(4_000)]));
    await sendLog(s.binding, null, [{ message: "small" }, { message: "huge", service: "svc", ...wide }]);
    const [small, huge] = await s.entries();
    expect(small).toEqual({ message: "small" });
    expect(huge).toEqual({
      message: "huge",
      service: "svc",
      truncated: true,
      originalBytes: expect.any(Number),
    });
  });
});

describe("sendLog retries with the same idempotency key", () => {
  it("retries a retryable failure, then stores the batch once, writing nothing to console.error", async () => {
    const s = await sink({ fail: { status: 503, code: "storage_unavailable", retryable: true } }, "ok");
    await sendLog(s.binding, null, { message: "eventually" }, FAST);
    const calls = await s.calls();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.idempotencyKey).toBe(calls[0]?.idempotencyKey);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("treats a thrown RPC error (binding unreachable) as retryable, keeping the key", async () => {
    const s = await sink("throw", "throw", "ok");
    await sendLog(s.binding, null, { message: "reconnected" }, FAST);
    const calls = await s.calls();
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("treats an answer later than timeoutMs as retryable, keeping the key", async () => {
    const s = await sink({ slowMs: 2_000 }, "ok");
    await sendLog(s.binding, null, { message: "slow once" }, { ...FAST, timeoutMs: 100 });
    const calls = await s.calls();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.idempotencyKey).toBe(calls[0]?.idempotencyKey);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("does not retry a failure that is not retryable", async () => {
    const s = await sink({ fail: { status: 400, code: "invalid_entry", retryable: false } });
    await sendLog(s.binding, null, { message: "refused" }, FAST);
    expect(await s.calls()).toHaveLength(1);
    expect(lostLines()[0]?.logServiceLost.reason).toContain("400 invalid_entry");
  });
});

describe("sendLog gives up with one lost-entries line per batch", () => {
  it("writes the contract-3 line: the batch's key, a reason and its redacted entries exactly as sent", async () => {
    const s = await sink({ fail: { status: 503, code: "storage_unavailable", retryable: true } });
    await sendLog(
      s.binding,
      null,
      [
        { message: "lost one", token: "tok-123" },
        { message: "lost two", user: { apiKey: "key-456" } },
      ],
      FAST,
    );
    const calls = await s.calls();
    expect(calls).toHaveLength(FAST.attempts);
    expect(consoleError).toHaveBeenCalledTimes(1);
    const raw = String(consoleError.mock.calls[0]?.[0]);
    expect(raw).not.toContain("tok-123");
    expect(raw).not.toContain("key-456");
    const [line] = lostLines();
    expect(line).toEqual({
      level: "error",
      message: "log-service: batch not delivered",
      logServiceLost: {
        v: 1,
        idempotencyKey: calls[0]?.idempotencyKey,
        reason: expect.stringContaining("503 storage_unavailable"),
        entries: calls[0]?.entries,
      },
    });
  });

  it("writes one line per batch, each under 128 KiB, for a large send that fails", async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({ message: `big ${i}`, blob: "x".repeat(1_000) }));
    await sendLog(undefined, null, entries);
    const raw = consoleError.mock.calls.map((args) => String(args[0]));
    expect(raw.length).toBeGreaterThanOrEqual(3);
    for (const line of raw) expect(bytes(line)).toBeLessThanOrEqual(128 * 1024);
    const lines = lostLines();
    expect(new Set(lines.map((l) => l.logServiceLost.idempotencyKey)).size).toBe(lines.length);
    expect(lines.flatMap((l) => l.logServiceLost.entries.map((e) => e.message))).toEqual(
      entries.map((e) => e.message),
    );
    expect(lines[0]?.logServiceLost.reason).toContain("no_binding");
  });

  for (const step of ["throw", "hang"] as const) {
    it(`never throws nor rejects when every call ${step}s`, async () => {
      const s = await sink(step);
      let result: Promise<void> | undefined;
      expect(() => {
        result = sendLog(s.binding, null, { message: step, password: "pw-789" }, FAST);
      }).not.toThrow();
      await expect(result).resolves.toBeUndefined();
      expect(await s.calls()).toHaveLength(FAST.attempts);
      expect(consoleError).toHaveBeenCalledTimes(1);
      expect(String(consoleError.mock.calls[0]?.[0])).not.toContain("pw-789");
      expect(lostLines()[0]?.logServiceLost.reason).toMatch(step === "hang" ? /^timeout/ : /^rpc_error/);
    });
  }

  it("stops retrying at the send's deadline", async () => {
    const s = await sink("hang");
    await sendLog(
      s.binding,
      null,
      { message: "slow" },
      { attempts: 10, timeoutMs: 100, backoffMs: 1, deadlineMs: 250 },
    );
    expect((await s.calls()).length).toBeLessThan(10);
    expect(lostLines()).toHaveLength(1);
  });

  it("never throws for an entry that cannot be copied (a throwing toJSON), and says so", async () => {
    const s = await sink();
    const bad = {
      message: "odd",
      v: {
        toJSON() {
          throw new Error("toJSON");
        },
      },
    };
    let sent: Promise<void> | undefined;
    expect(() => {
      sent = sendLog(s.binding, null, bad);
    }).not.toThrow();
    await expect(sent).resolves.toBeUndefined();
    expect(await s.entries()).toEqual([
      { level: "error", message: expect.stringContaining("log-service: entries could not be copied") },
    ]);
  });
});

describe("sendLog: bounded sends in flight per isolate", () => {
  it("past the cap, batches go straight to the lost-entries line instead of piling up", async () => {
    const { binding, calls } = localBinding(() => new Promise<IngestResult>(() => {}));
    const extra = 5;
    const sends = Array.from({ length: SEND_LIMITS.maxBatchesInFlight + extra }, (_, i) =>
      sendLog(binding, null, { message: `m${i}` }, { attempts: 1, timeoutMs: 300 }),
    );
    await Promise.all(sends);
    expect(calls).toHaveLength(SEND_LIMITS.maxBatchesInFlight);
    const reasons = lostLines().map((l) => l.logServiceLost.reason);
    expect(reasons.filter((r) => r.startsWith("overloaded"))).toHaveLength(extra);
    expect(reasons.filter((r) => r.startsWith("timeout"))).toHaveLength(SEND_LIMITS.maxBatchesInFlight);
    // Freed again once they settled.
    const { binding: next, calls: nextCalls } = localBinding();
    await sendLog(next, null, { message: "after" });
    expect(nextCalls).toHaveLength(1);
  });
});
