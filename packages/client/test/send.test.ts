import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { INGEST_LIMITS, logEntrySchema } from "../src/schema";
import { DEFAULT_LOG_URL, sendLog } from "../src/send";
import { bindingDouble, FAST } from "./binding-double";

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

interface FallbackLine {
  message: string;
  sendId: string;
  part: number;
  parts: number;
  failures: Record<string, unknown>[];
  entries: Record<string, unknown>[];
}

/** The parsed `console.error` lines the client wrote. */
function fallbackLines(): FallbackLine[] {
  return consoleError.mock.calls.map((args) => JSON.parse(String(args[0])));
}

/** Entries lost per failure reason, summed over every fallback line. */
function lostByReason(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of fallbackLines()) {
    for (const f of line.failures) out[String(f.reason)] = (out[String(f.reason)] ?? 0) + Number(f.entries);
  }
  return out;
}

describe("sendLog delivery", () => {
  it("does not touch the binding before the caller's task is over (one macrotask later)", async () => {
    const calls: string[] = [];
    const binding = {
      fetch(_url: string, init?: RequestInit) {
        calls.push(String(init?.body));
        return Promise.resolve(new Response(null, { status: 201 }));
      },
    };
    const sent = sendLog(binding, null, { message: "after the response" });
    // However many microtasks run, the caller's response goes out before the send starts.
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(calls).toEqual([]);
    await sent;
    expect(calls).toHaveLength(1);
  });

  it("POSTs the entries as one JSON array to https://log-worker/log", async () => {
    const double = bindingDouble();
    await sendLog(double.binding, null, [
      { message: "one", service: "svc" },
      { level: "warn", message: "two", n: 2 },
    ]);
    expect(double.calls).toHaveLength(1);
    const [call] = double.calls;
    expect(call?.url).toBe(DEFAULT_LOG_URL);
    expect(call?.method).toBe("POST");
    expect(call?.contentType).toBe("application/json");
    expect(call?.entries).toEqual([
      { message: "one", service: "svc" },
      { level: "warn", message: "two", n: 2 },
    ]);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("accepts a single entry", async () => {
    const double = bindingDouble();
    await sendLog(double.binding, null, { message: "alone" });
    expect(double.entries()).toEqual([{ message: "alone" }]);
  });

  it("hands the work to ctx.waitUntil and returns before delivery", async () => {
    let release: (res: Response) => void = () => {};
    const binding = {
      fetch: vi.fn(() => new Promise<Response>((resolve) => (release = resolve))),
    };
    const ctx = createExecutionContext();
    const waitUntil = vi.spyOn(ctx, "waitUntil");
    let settled = false;
    const sent = sendLog(binding, ctx, { message: "later" }).then(() => {
      settled = true;
    });
    expect(waitUntil).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    await vi.waitFor(() => expect(binding.fetch).toHaveBeenCalledTimes(1));
    expect(settled).toBe(false);
    release(new Response(null, { status: 201 }));
    await waitOnExecutionContext(ctx);
    await sent;
    expect(settled).toBe(true);
  });

  it("splits 2,500 entries into requests of at most 1,000, losing none and keeping order", async () => {
    const double = bindingDouble();
    const entries = Array.from({ length: 2_500 }, (_, i) => ({ message: `line ${i}` }));
    await sendLog(double.binding, null, entries);
    expect(double.calls.map((c) => c.entries.length)).toEqual([1000, 1000, 500]);
    expect(double.entries().map((e) => e.message)).toEqual(entries.map((e) => e.message));
  });

  it("keeps every request body under 1 MiB", async () => {
    const double = bindingDouble();
    // 300 entries of ~10 KiB: ~3 MiB in all, fewer than 1,000 entries.
    const entries = Array.from({ length: 300 }, (_, i) => ({
      message: `big ${i}`,
      blob: "x".repeat(10_000),
    }));
    await sendLog(double.binding, null, entries);
    expect(double.calls.length).toBeGreaterThanOrEqual(3);
    for (const call of double.calls) {
      expect(new TextEncoder().encode(call.text).byteLength).toBeLessThanOrEqual(INGEST_LIMITS.maxBodyBytes);
    }
    expect(double.entries()).toHaveLength(300);
  });

  it("shrinks an entry over 64 KiB instead of losing its batch to a 413", async () => {
    const double = bindingDouble();
    await sendLog(double.binding, null, [
      { message: "small" },
      { message: "huge", payload: "y".repeat(200_000), keep: 7 },
    ]);
    const [small, huge] = double.entries();
    expect(small).toEqual({ message: "small" });
    expect(huge).toMatchObject({
      message: "huge",
      keep: 7,
      truncated: true,
      originalBytes: expect.any(Number),
    });
    expect(String(huge?.payload).length).toBeLessThan(10_000);
    expect(new TextEncoder().encode(JSON.stringify(huge)).byteLength).toBeLessThanOrEqual(
      INGEST_LIMITS.maxEntryBytes,
    );
    expect(logEntrySchema.safeParse(huge).success).toBe(true);
  });

  it("shrinks an entry made of many small fields down to its essentials", async () => {
    const double = bindingDouble();
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`f${i}`, i]));
    await sendLog(double.binding, null, { message: "wide", service: "svc", requestId: "r1", ...wide });
    expect(double.entries()).toEqual([
      {
        message: "wide",
        service: "svc",
        requestId: "r1",
        truncated: true,
        originalBytes: expect.any(Number),
      },
    ]);
  });

  it("redacts before sending", async () => {
    const double = bindingDouble();
    await sendLog(double.binding, null, {
      message: "login",
      password: "hunter2",
      nested: { headers: { Authorization: "Bearer abc.def" } },
    });
    expect(double.calls[0]?.text).not.toContain("hunter2");
    expect(double.calls[0]?.text).not.toContain("abc.def");
    expect(double.entries()[0]).toEqual({
      message: "login",
      password: "[REDACTED]",
      nested: { headers: { Authorization: "[REDACTED]" } },
    });
  });

  it("sends valid entries and reports invalid ones instead of losing the batch to a 400", async () => {
    const double = bindingDouble();
    await sendLog(double.binding, null, [
      { message: "fine" },
      { message: "" },
      { message: "bad level", level: "loud" as "info" },
    ]);
    expect(double.entries()).toEqual([{ message: "fine" }]);
    const [line] = fallbackLines();
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(line?.entries).toEqual([{ message: "" }, { message: "bad level", level: "loud" }]);
    expect(line?.failures[0]).toMatchObject({ reason: "invalid_entry" });
  });
});

describe("sendLog retry", () => {
  it("retries a 500 and succeeds on the next attempt, writing nothing to console.error", async () => {
    const double = bindingDouble({ status: 500 }, { status: 201 });
    await sendLog(double.binding, null, { message: "eventually" }, FAST);
    expect(double.calls).toHaveLength(2);
    expect(double.calls[1]?.entries).toEqual([{ message: "eventually" }]);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("retries a 429 and a 503", async () => {
    const double = bindingDouble({ status: 429 }, { status: 503 }, { status: 201 });
    await sendLog(double.binding, null, { message: "busy" }, FAST);
    expect(double.calls).toHaveLength(3);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("does not retry a 400", async () => {
    const double = bindingDouble({ status: 400, body: { error: { code: "invalid_entry", message: "no" } } });
    await sendLog(double.binding, null, { message: "refused" }, FAST);
    expect(double.calls).toHaveLength(1);
    const [line] = fallbackLines();
    expect(line?.failures).toEqual([
      { reason: "http", status: 400, detail: "invalid_entry", attempts: 1, entries: 1 },
    ]);
  });

  it("gives up after the attempts with exactly one console.error line carrying the redacted entries", async () => {
    const double = bindingDouble({
      status: 500,
      body: { error: { code: "storage_unavailable", message: "x" } },
    });
    await sendLog(
      double.binding,
      null,
      [
        { message: "lost one", token: "tok-123" },
        { message: "lost two", user: { apiKey: "key-456" } },
      ],
      FAST,
    );
    expect(double.calls).toHaveLength(FAST.attempts);
    expect(consoleError).toHaveBeenCalledTimes(1);
    const raw = String(consoleError.mock.calls[0]?.[0]);
    expect(raw).not.toContain("tok-123");
    expect(raw).not.toContain("key-456");
    const line = JSON.parse(raw);
    expect(line).toMatchObject({ level: "error", source: "@log-service/client" });
    expect(line.entries).toEqual([
      { message: "lost one", token: "[REDACTED]" },
      { message: "lost two", user: { apiKey: "[REDACTED]" } },
    ]);
    expect(line.failures).toEqual([
      { reason: "http", status: 500, detail: "storage_unavailable", attempts: 3, entries: 2 },
    ]);
  });

  it("reports a split send's lost requests under one send id", async () => {
    const double = bindingDouble({ status: 201 }, { status: 400 });
    const entries = Array.from({ length: 1_500 }, (_, i) => ({ message: `m${i}` }));
    await sendLog(double.binding, null, entries, FAST);
    expect(double.calls).toHaveLength(2);
    const lines = fallbackLines();
    expect(new Set(lines.map((l) => l.sendId)).size).toBe(1);
    expect(lines.flatMap((l) => l.entries)).toHaveLength(500);
    expect(lostByReason()).toEqual({ http: 500 });
  });

  it("stops retrying at the deadline", async () => {
    const double = bindingDouble("hang");
    await sendLog(
      double.binding,
      null,
      { message: "slow" },
      { attempts: 10, timeoutMs: 40, deadlineMs: 100 },
    );
    expect(double.calls.length).toBeLessThan(10);
    expect(fallbackLines()[0]?.failures[0]).toMatchObject({ reason: "timeout" });
  });
});

describe("sendLog never fails its caller", () => {
  for (const behaviour of ["throw", "reject", "hang"] as const) {
    it(`when the binding's fetch ${behaviour}s: no throw, a resolved promise, one console.error`, async () => {
      const double = bindingDouble(behaviour);
      let result: Promise<void> | undefined;
      expect(() => {
        result = sendLog(double.binding, null, { message: behaviour, password: "pw-789" }, FAST);
      }).not.toThrow();
      await expect(result).resolves.toBeUndefined();
      expect(double.calls).toHaveLength(FAST.attempts);
      expect(consoleError).toHaveBeenCalledTimes(1);
      expect(String(consoleError.mock.calls[0]?.[0])).not.toContain("pw-789");
      expect(fallbackLines()[0]?.failures[0]).toMatchObject({
        reason: behaviour === "hang" ? "timeout" : "network",
        attempts: FAST.attempts,
      });
    });
  }

  it("when the binding is missing", async () => {
    await expect(sendLog(undefined, null, { message: "nowhere" })).resolves.toBeUndefined();
    expect(fallbackLines()[0]).toMatchObject({
      failures: [{ reason: "no_binding" }],
      entries: [{ message: "nowhere" }],
    });
  });

  it("when ctx.waitUntil throws", async () => {
    const double = bindingDouble();
    const ctx = {
      waitUntil() {
        throw new Error("invocation over");
      },
    };
    await expect(sendLog(double.binding, ctx, { message: "late" })).resolves.toBeUndefined();
    expect(double.entries()).toEqual([{ message: "late" }]);
  });

  it("when entries hold cycles, bigints and throwing getters", async () => {
    const double = bindingDouble();
    const entry: Record<string, unknown> = { message: "odd", big: 10n };
    entry.self = entry;
    Object.defineProperty(entry, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    await sendLog(double.binding, null, entry as { message: string });
    expect(double.entries()).toEqual([
      { message: "odd", big: "10", self: "[Circular]", boom: "[Unreadable]" },
    ]);
  });
});

describe("sendLog: one deadline for the whole send", () => {
  // No timing assertions (these machines are shared and noisy): each test checks
  // which bodies were tried and how each entry was reported.
  it("ends a send of five bodies against a hanging log-worker at its deadline, reporting every entry", async () => {
    const double = bindingDouble("hang");
    const entries = Array.from({ length: 4_500 }, (_, i) => ({ message: `m${i}` }));
    await sendLog(double.binding, null, entries, {
      attempts: 3,
      timeoutMs: 150,
      backoffMs: 1,
      deadlineMs: 400,
    });
    // Four bodies were tried in the first round; the fifth (500 entries) never was:
    // with a deadline per body it would have been tried in a second round.
    expect(double.calls.every((c) => c.entries.length === 1_000)).toBe(true);
    expect(lostByReason()).toEqual({ timeout: 4_000, deadline: 500 });
    const notAttempted = fallbackLines()
      .flatMap((l) => l.failures)
      .find((f) => f.reason === "deadline");
    expect(notAttempted).toMatchObject({ attempts: 0 });
    // Every entry is in the report, exactly once.
    const reported = fallbackLines().flatMap((l) => l.entries.map((e) => e.message));
    expect(reported.sort()).toEqual(entries.map((e) => e.message).sort());
  });

  it("gives a body of a later round only the time that remains", async () => {
    const calls: number[] = [];
    // The first round answers after 300 ms; the fifth body would answer after 900 ms,
    // within a deadline of its own (1,000 ms) but not within the ~700 ms the send has left.
    const slow = {
      fetch(_url: string, init?: RequestInit) {
        const size = (JSON.parse(String(init?.body)) as unknown[]).length;
        calls.push(size);
        const delay = size === 500 ? 900 : 300;
        return new Promise<Response>((resolve) =>
          setTimeout(() => resolve(new Response(null, { status: 201 })), delay),
        );
      },
    };
    const entries = Array.from({ length: 4_500 }, (_, i) => ({ message: `m${i}` }));
    await sendLog(slow, null, entries, { attempts: 1, timeoutMs: 5_000, deadlineMs: 1_000 });
    expect(calls).toEqual([1_000, 1_000, 1_000, 1_000, 500]);
    // The fifth body was abandoned at the send's deadline and reported, not delivered late.
    const lost = fallbackLines().flatMap((l) => l.entries.map((e) => e.message));
    expect(lost.sort()).toEqual(
      entries
        .slice(4_000)
        .map((e) => e.message)
        .sort(),
    );
  });

  it("delivers every body of a split send when log-worker answers in time", async () => {
    const double = bindingDouble();
    const entries = Array.from({ length: 9_000 }, (_, i) => ({ message: `m${i}` }));
    await sendLog(double.binding, null, entries, { deadlineMs: 5_000 });
    expect(double.calls).toHaveLength(9);
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe("sendLog: bounded give-up lines", () => {
  const LINE_BYTES = 128 * 1024;
  const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

  function checkParts(expected: string[]) {
    const raw = consoleError.mock.calls.map((args) => String(args[0]));
    const lines = fallbackLines();
    const [first] = lines;
    expect(first?.sendId).toEqual(expect.any(String));
    for (const [i, line] of lines.entries()) {
      expect(bytes(raw[i] ?? "")).toBeLessThanOrEqual(LINE_BYTES);
      expect(line.entries.length).toBeLessThanOrEqual(100);
      expect(line).toMatchObject({ level: "error", source: "@log-service/client" });
      expect(line.sendId).toBe(first?.sendId);
      expect(line.part).toBe(i + 1);
      expect(line.parts).toBe(lines.length);
      expect(line.message).toContain(`part ${i + 1} of ${lines.length}`);
      expect(line.message).toContain(`send ${first?.sendId}`);
    }
    const reported = lines.flatMap((l) => l.entries.map((e) => String(e.message)));
    expect(reported).toHaveLength(expected.length);
    expect(reported).toEqual(expected);
    return lines;
  }

  it("splits a 2,500-entry give-up into lines of at most 100 entries, each entry once", async () => {
    const double = bindingDouble({ status: 500 });
    const entries = Array.from({ length: 2_500 }, (_, i) => ({ message: `m${i}`, password: `pw-${i}` }));
    await sendLog(double.binding, null, entries, FAST);
    const lines = checkParts(entries.map((e) => e.message));
    expect(lines).toHaveLength(25);
    for (const line of lines) expect(line.entries.every((e) => e.password === "[REDACTED]")).toBe(true);
    expect(lostByReason()).toEqual({ http: 2_500 });
  });

  it("keeps each line under 128 KiB when the entries are large", async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({
      message: `big ${i}`,
      blob: "x".repeat(10_000),
    }));
    await sendLog(undefined, null, entries);
    const lines = checkParts(entries.map((e) => e.message));
    expect(lines.length).toBeGreaterThanOrEqual(24); // ~3 MiB in 128 KiB lines
    expect(lines.flatMap((l) => l.entries).every((e) => e.blob === "x".repeat(10_000))).toBe(true);
  });

  it("shrinks a single entry too large for one line (an invalid entry is not shrunk before)", async () => {
    const double = bindingDouble();
    await sendLog(double.binding, null, [{ message: "", blob: "z".repeat(1_000_000) }, { message: "fine" }]);
    expect(double.entries()).toEqual([{ message: "fine" }]);
    const [line] = checkParts([""]);
    expect(line?.entries[0]).toMatchObject({ truncated: true });
  });
});

describe("sendLog: nothing runs on, or throws into, the caller's path", () => {
  it("validates and serializes after the call returns", async () => {
    const double = bindingDouble();
    const stringify = vi.spyOn(JSON, "stringify");
    let during = -1;
    try {
      const sent = sendLog(double.binding, null, [{ message: "a" }, { message: "b" }]);
      during = stringify.mock.calls.length;
      await sent;
    } finally {
      stringify.mockRestore();
    }
    expect(during).toBe(0);
    expect(double.entries()).toEqual([{ message: "a" }, { message: "b" }]);
  });

  it("copies the entries when called: later changes are not sent", async () => {
    const double = bindingDouble();
    const entry = { message: "snapshot", n: 1 };
    const sent = sendLog(double.binding, null, entry);
    entry.n = 2;
    await sent;
    expect(double.entries()).toEqual([{ message: "snapshot", n: 1 }]);
  });

  it("sends an entry holding a throwing toJSON or a Proxy, marking only those values", async () => {
    const double = bindingDouble();
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("ownKeys");
        },
      },
    );
    const hostile = {
      toJSON() {
        throw new Error("toJSON");
      },
    };
    await sendLog(double.binding, null, { message: "odd", hostile, trap, n: 1 });
    expect(double.entries()).toEqual([
      { message: "odd", hostile: "[Unserializable]", trap: "[Unserializable]", n: 1 },
    ]);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("uses the default redaction, and delivers, when the options throw on every read", async () => {
    const double = bindingDouble();
    const options = new Proxy(
      {},
      {
        get() {
          throw new Error("options");
        },
        ownKeys() {
          throw new Error("options");
        },
      },
    );
    let sent: Promise<void> | undefined;
    expect(() => {
      sent = sendLog(double.binding, null, { message: "m", password: "pw-opt" }, options);
    }).not.toThrow();
    await expect(sent).resolves.toBeUndefined();
    expect(double.entries()).toEqual([{ message: "m", password: "[REDACTED]" }]);
  });

  it("neither throws nor rejects for a revoked Proxy as the entries, and reports it", async () => {
    const double = bindingDouble();
    const { proxy, revoke } = Proxy.revocable([{ message: "x" }], {});
    revoke();
    let sent: Promise<void> | undefined;
    expect(() => {
      sent = sendLog(double.binding, null, proxy as never);
    }).not.toThrow();
    await expect(sent).resolves.toBeUndefined();
    expect(double.calls).toHaveLength(0);
    expect(consoleError).toHaveBeenCalledTimes(1);
  });
});
