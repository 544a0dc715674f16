import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { createLogger } from "../src/logger";
import { logEntrySchema } from "../src/schema";
import { bindingDouble, FAST } from "./binding-double";

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

describe("createLogger", () => {
  it("sends N lines, children's included, in exactly one binding call", async () => {
    const double = bindingDouble();
    const ctx = createExecutionContext();
    const log = createLogger({ binding: double.binding, ctx, service: "svc", requestId: "req-1" });
    const child = log.child({ userId: "u1" });
    for (let i = 0; i < 50; i++) log.info(`line ${i}`);
    child.warn("from child");
    child.child({ step: 2 }).error("from grandchild");
    expect(double.calls).toHaveLength(0); // buffered until flush
    void log.flush();
    await waitOnExecutionContext(ctx);

    expect(double.calls).toHaveLength(1);
    const entries = double.calls[0]?.entries ?? [];
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
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.info("parent");
    const child = log.child({ c: 1 });
    child.info("child");
    await child.flush();
    await log.flush(); // nothing left to send
    expect(double.calls).toHaveLength(1);
    expect(double.calls[0]?.entries.map((e) => e.message)).toEqual(["parent", "child"]);
  });

  it("keeps lines at or above the minimum level only (default info)", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.debug("hidden");
    log.info("shown");
    const strict = createLogger({ binding: double.binding, service: "svc", level: "error" });
    strict.warn("hidden");
    strict.error("shown");
    strict.fatal("shown");
    await Promise.all([log.flush(), strict.flush()]);
    expect(double.entries().map((e) => [e.level, e.message])).toEqual([
      ["info", "shown"],
      ["error", "shown"],
      ["fatal", "shown"],
    ]);
    expect(log.isLevelEnabled("debug")).toBe(false);
    expect(strict.level).toBe("error");
  });

  it("serializes errors under err, with their cause chain, wherever they are passed", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    const cause = new TypeError("socket closed");
    log.error("direct", new Error("query failed", { cause }));
    log.error("as a field", { error: new RangeError("bad"), table: "users" });
    log.warn("nested", { attempt: { last: new Error("deep") } });
    await log.flush();
    const [direct, field, nested] = double.entries();
    expect(direct?.err).toEqual({
      name: "Error",
      message: "query failed",
      stack: expect.stringContaining("query failed"),
      cause: { name: "TypeError", message: "socket closed", stack: expect.any(String) },
    });
    expect(field).toMatchObject({ err: { name: "RangeError", message: "bad" }, table: "users" });
    expect(field).not.toHaveProperty("error");
    expect(nested).toMatchObject({ attempt: { last: { name: "Error", message: "deep" } } });
  });

  it("redacts when a line is logged, so later mutation changes nothing", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc", fields: { apiKey: "bound-key" } });
    const body = { email: "a@example.com", password: "pw-1", profile: { sessionToken: "st" } };
    log.info("register", { body });
    body.email = "changed@example.com";
    await log.flush();
    const text = double.calls[0]?.text ?? "";
    expect(text).not.toContain("pw-1");
    expect(text).not.toContain("bound-key");
    expect(double.entries()[0]).toMatchObject({
      apiKey: "[REDACTED]",
      body: { email: "a@example.com", password: "[REDACTED]", profile: { sessionToken: "[REDACTED]" } },
    });
  });

  it("honours redact: false and extra keys", async () => {
    const double = bindingDouble();
    const off = createLogger({ binding: double.binding, service: "svc", redact: false });
    off.info("off", { password: "p" });
    await off.flush();
    const extra = createLogger({ binding: double.binding, service: "svc", redact: { extraKeys: ["email"] } });
    extra.info("extra", { email: "e@x", password: "p" });
    await extra.flush();
    expect(double.entries()).toEqual([
      expect.objectContaining({ message: "off", password: "p" }),
      expect.objectContaining({ message: "extra", email: "[REDACTED]", password: "[REDACTED]" }),
    ]);
  });

  it("cannot be overridden on level, message or timestamp by fields", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.info("real", { level: "fatal", message: "fake", timestamp: "nope", service: "other" });
    await log.flush();
    expect(double.entries()[0]).toMatchObject({ level: "info", message: "real", service: "other" });
    expect(double.entries()[0]?.timestamp).not.toBe("nope");
  });

  it("sends lines logged after the flush in one more call", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    log.info("before");
    await log.flush();
    log.info("after 1");
    log.info("after 2");
    await log.flush();
    expect(double.calls.map((c) => c.entries.map((e) => e.message))).toEqual([
      ["before"],
      ["after 1", "after 2"],
    ]);
  });

  it("sends early once 1,000 lines are buffered, and flush() awaits that send too", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    for (let i = 0; i < 1_001; i++) log.info(`l${i}`);
    await log.flush();
    expect(double.calls.map((c) => c.entries.length)).toEqual([1000, 1]);
  });

  it("never throws or rejects, whatever the binding does", async () => {
    const double = bindingDouble("throw");
    const log = createLogger({ binding: double.binding, service: "svc", send: FAST });
    expect(() => log.info("x", { password: "pw-2" })).not.toThrow();
    await expect(log.flush()).resolves.toBeUndefined();
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0]?.[0])).not.toContain("pw-2");
  });
});

/** Objects that throw when read in various ways. */
function hostiles() {
  const getter = {
    ok: 1,
    get boom(): never {
      throw new Error("getter");
    },
  };
  const trap = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error("ownKeys");
      },
      get() {
        throw new Error("get");
      },
      getPrototypeOf() {
        throw new Error("getPrototypeOf");
      },
    },
  );
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const json = {
    toJSON() {
      throw new Error("toJSON");
    },
  };
  return { getter, trap, revoked, json };
}

describe("createLogger never throws into its caller", () => {
  it("child() with a throwing getter keeps the readable fields and marks the other", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    const { getter } = hostiles();
    let child: ReturnType<typeof log.child> | undefined;
    expect(() => {
      child = log.child(getter);
    }).not.toThrow();
    child?.info("from child");
    await log.flush();
    expect(double.entries()).toEqual([
      expect.objectContaining({ message: "from child", ok: 1, boom: "[Unreadable]" }),
    ]);
  });

  it("child() with a Proxy or a revoked Proxy still gives a working logger", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    const { trap, revoked } = hostiles();
    expect(() => log.child(trap).info("trap")).not.toThrow();
    expect(() => log.child(revoked).child({ step: 2 }).info("revoked")).not.toThrow();
    await log.flush();
    expect(double.entries()).toEqual([
      expect.objectContaining({ message: "trap", service: "svc", fields: "[Unreadable]" }),
      expect.objectContaining({ message: "revoked", service: "svc", fields: "[Unreadable]", step: 2 }),
    ]);
  });

  it("createLogger() with hostile fields and options", async () => {
    const double = bindingDouble();
    const { getter } = hostiles();
    let log: ReturnType<typeof createLogger> | undefined;
    expect(() => {
      log = createLogger({
        binding: double.binding,
        service: "svc",
        fields: getter,
        get redact(): never {
          throw new Error("redact");
        },
      });
    }).not.toThrow();
    log?.info("m", { password: "pw-h" });
    await log?.flush();
    expect(double.entries()).toEqual([
      expect.objectContaining({ message: "m", ok: 1, boom: "[Unreadable]", password: "[REDACTED]" }),
    ]);
  });

  it("keeps a line whose fields hold a throwing toJSON, a Proxy or a revoked Proxy", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    const { getter, trap, revoked, json } = hostiles();
    expect(() => {
      log.info("nested", { json, trap, revoked, n: 1 });
      log.info("proxy as fields", trap);
      log.info("revoked as fields", revoked);
      log.info("getter as fields", getter);
    }).not.toThrow();
    await log.flush();
    const entries = double.entries();
    expect(entries.map((e) => e.message)).toEqual([
      "nested",
      "proxy as fields",
      "revoked as fields",
      "getter as fields",
    ]);
    expect(entries[0]).toMatchObject({
      json: "[Unserializable]",
      trap: "[Unserializable]",
      revoked: "[Unserializable]",
      n: 1,
      level: "info",
      service: "svc",
    });
    expect(entries[1]).toMatchObject({ fields: "[Unreadable]", level: "info" });
    expect(entries[3]).toMatchObject({ ok: 1, boom: "[Unreadable]" });
  });

  it("keeps a line whose message cannot be turned into a string", async () => {
    const double = bindingDouble();
    const log = createLogger({ binding: double.binding, service: "svc" });
    const message = {
      toString(): never {
        throw new Error("toString");
      },
    };
    expect(() => log.warn(message as unknown as string)).not.toThrow();
    await log.flush();
    expect(double.entries()).toEqual([
      expect.objectContaining({ level: "warn", message: "(unprintable message)" }),
    ]);
  });

  it("flush() resolves when ctx.waitUntil throws or is not a function", async () => {
    const double = bindingDouble();
    for (const ctx of [
      {
        waitUntil() {
          throw new Error("over");
        },
      },
      { waitUntil: 1 } as unknown as { waitUntil(p: Promise<unknown>): void },
    ]) {
      const log = createLogger({ binding: double.binding, ctx, service: "svc" });
      log.info("x");
      await expect(log.flush()).resolves.toBeUndefined();
    }
    expect(double.entries()).toHaveLength(2);
  });
});
