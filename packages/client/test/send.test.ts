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

/** The parsed `console.error` lines the client wrote. */
function fallbackLines(): { message: string; failures: Record<string, unknown>[]; entries: unknown[] }[] {
  return consoleError.mock.calls.map((args) => JSON.parse(String(args[0])));
}

describe("sendLog delivery", () => {
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

  it("reports a split send's lost requests in one line", async () => {
    const double = bindingDouble({ status: 201 }, { status: 400 });
    const entries = Array.from({ length: 1_500 }, (_, i) => ({ message: `m${i}` }));
    await sendLog(double.binding, null, entries, FAST);
    expect(double.calls).toHaveLength(2);
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(fallbackLines()[0]?.entries).toHaveLength(500);
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
