import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { createLogger, LOG_LIMIT_DEFAULTS } from "../src/logger";
import { logEntrySchema } from "../src/schema";
import { FAST, sink } from "./binding-double";

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

describe("createLogger", () => {
  it("sends N lines, children's included, in exactly one binding call", async () => {
    const double = await sink();
    const ctx = createExecutionContext();
    const log = createLogger({ binding: double.binding, ctx, service: "svc", requestId: "req-1" });
    const child = log.child({ userId: "u1" });
    for (let i = 0; i < 50; i++) log.info(`line ${i}`);
    child.warn("from child");
    child.child({ step: 2 }).error("from grandchild");
    expect(await double.calls()).toHaveLength(0); // buffered until flush
    void log.flush();
    await waitOnExecutionContext(ctx);

    expect(await double.calls()).toHaveLength(1);
    const entries = (await double.calls())[0]?.entries ?? [];
    expect(entries).toHaveLength(52);
    for (const entry of entries) {
      expect(entry).toMatchObject({ service: "svc", requestId: "req-1" });
      expect(logEntrySchema.safeParse(entry).success).toBe(true);
    }
    expect(entries[50]).toMatchObject({ level: "warn", message: "from child", userId: "u1" });
    expect(entries[51]).toMatchObject({ level: "error", message: "from grandchild", userId: "u1", step: 2 });
    expect(Date.parse(String(entries[0]?.timestamp))).not.toBeNaN();
  });

  it("flushing a child flushes the shared buffer once", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.info("parent");
    const child = log.child({ c: 1 });
    child.info("child");
    await child.flush();
    await log.flush(); // nothing left to send
    expect(await double.calls()).toHaveLength(1);
    expect((await double.calls())[0]?.entries.map((e) => e.message)).toEqual(["parent", "child"]);
  });

  it("keeps lines at or above the minimum level only (default info)", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.debug("hidden");
    log.info("shown");
    const strict = createLogger({ binding: double.binding, service: "svc", level: "error" });
    strict.warn("hidden");
    strict.error("shown");
    strict.fatal("shown");
    await Promise.all([log.flush(), strict.flush()]);
    expect((await double.entries()).map((e) => [e.level, e.message])).toEqual([
      ["info", "shown"],
      ["error", "shown"],
      ["fatal", "shown"],
    ]);
  });

  it("serializes errors under err, with their cause chain, wherever they are passed", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc" });
    const cause = new TypeError("socket closed");
    log.error("direct", new Error("query failed", { cause }));
    log.error("as a field", { error: new RangeError("bad"), table: "users" });
    log.warn("nested", { attempt: { last: new Error("deep") } });
    await log.flush();
    const [direct, field, nested] = await double.entries();
    expect(direct?.err).toEqual({
      name: "Error",
      message: "query failed",
      stack: expect.stringContaining("query failed"),
      cause: { name: "TypeError", message: "socket closed", stack: expect.any(String) },
    });
    expect(field).toMatchObject({ error: { name: "RangeError", message: "bad" }, table: "users" });
    expect(nested).toMatchObject({ attempt: { last: { name: "Error", message: "deep" } } });
  });

  it("redacts when a line is logged, so later mutation changes nothing", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc", fields: { apiKey: "bound-key" } });
    const body = { email: "a@example.com", password: "pw-1", profile: { sessionToken: "st" } };
    log.info("register", { body });
    body.email = "changed@example.com";
    await log.flush();
    const text = (await double.calls())[0]?.json ?? "";
    expect(text).not.toContain("pw-1");
    expect(text).not.toContain("bound-key");
    expect((await double.entries())[0]).toMatchObject({
      apiKey: "[REDACTED]",
      body: { email: "a@example.com", password: "[REDACTED]", profile: { sessionToken: "[REDACTED]" } },
    });
  });

  it("honours redact: false and extra keys", async () => {
    const double = await sink();
    const off = createLogger({ binding: double.binding, service: "svc", redact: false });
    off.info("off", { password: "p" });
    await off.flush();
    const extra = createLogger({ binding: double.binding, service: "svc", redact: { extraKeys: ["email"] } });
    extra.info("extra", { email: "e@x", password: "p" });
    await extra.flush();
    expect(await double.entries()).toEqual([
      expect.objectContaining({ message: "off", password: "p" }),
      expect.objectContaining({ message: "extra", email: "[REDACTED]", password: "[REDACTED]" }),
    ]);
  });

  it("cannot be overridden on level, message or timestamp by fields", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.info("real", { level: "fatal", message: "fake", timestamp: "nope", service: "other" });
    await log.flush();
    expect((await double.entries())[0]).toMatchObject({ level: "info", message: "real", service: "other" });
    expect((await double.entries())[0]?.timestamp).not.toBe("nope");
  });

  it("sends lines logged after the flush in one more call", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.info("before");
    await log.flush();
    log.info("after 1");
    log.info("after 2");
    await log.flush();
    expect((await double.calls()).map((c) => c.entries.map((e) => e.message))).toEqual([
      ["before"],
      ["after 1", "after 2"],
    ]);
  });

  it("never throws or rejects, whatever the binding does", async () => {
    const double = await sink("throw");
    const log = createLogger({ binding: double.binding, service: "svc", send: FAST });
    expect(() => log.info("x", { password: "pw-2" })).not.toThrow();
    await expect(log.flush()).resolves.toBeUndefined();
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0]?.[0])).not.toContain("pw-2");
  });
});

describe("createLogger: bounded memory per request", () => {
  it("keeps at most maxEntries of 100,000 lines and adds one line saying how many were dropped", {
    timeout: 60_000,
  }, async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc", requestId: "r-cap" });
    for (let i = 0; i < 100_000; i++) log.info(`line ${i}`, { i });
    await log.flush();
    const entries = await double.entries();
    expect(entries).toHaveLength(LOG_LIMIT_DEFAULTS.maxEntries + 1);
    expect(entries.at(-1)).toMatchObject({
      level: "warn",
      service: "svc",
      requestId: "r-cap",
      droppedEntries: 100_000 - LOG_LIMIT_DEFAULTS.maxEntries,
      message: expect.stringContaining(`${100_000 - LOG_LIMIT_DEFAULTS.maxEntries} entries dropped`),
    });
    // Every batch within the contract's 128 KiB.
    for (const call of await double.calls()) expect(call.json.length).toBeLessThanOrEqual(128 * 1024);
  });

  it("keeps a 50 MB object as one bounded entry, and caps the bytes held", { timeout: 60_000 }, async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc", limits: { maxBytes: 100_000 } });
    const blob = "x".repeat(50 * 1024 * 1024);
    for (let i = 0; i < 10; i++)
      log.info("big", { blob, rows: Array.from({ length: 10_000 }, (_, j) => ({ j })) });
    await log.flush();
    const calls = await double.calls();
    const json = calls.map((c) => c.json).join("");
    expect(json.length).toBeLessThan(200_000);
    const entries = calls.flatMap((c) => c.entries);
    expect(entries.filter((e) => e.message === "big").length).toBeGreaterThanOrEqual(1);
    expect(entries.at(-1)).toMatchObject({ droppedEntries: expect.any(Number) });
  });

  it("counts lines past the cap again after a send: a later batch has its own room", async () => {
    const double = await sink();
    const log = createLogger({ binding: double.binding, service: "svc", limits: { maxEntries: 2 } });
    for (const m of ["a", "b", "c"]) log.info(m);
    await log.flush();
    log.info("d");
    await log.flush();
    expect((await double.calls()).map((c) => c.entries.map((e) => e.message))).toEqual([
      ["a", "b", expect.stringContaining("1 entries dropped")],
      ["d"],
    ]);
  });
});
