import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { type RequestLoggerEnv, requestLogger } from "../src/middleware";
import type { LogBinding } from "../src/transport";
import { bindingDouble } from "./binding-double";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

type TestEnv = { Bindings: { log_worker: LogBinding } } & RequestLoggerEnv;

function testApp() {
  const onError = vi.fn();
  const app = new Hono<TestEnv>();
  app.use(requestLogger({ service: "test-worker" }));
  app.get("/hello", (c) => {
    c.var.log.info("handling", { password: "pw-mw" });
    c.var.log.child({ step: "db" }).debug("not kept at info");
    return c.json({ requestId: c.var.requestId });
  });
  app.get("/missing", (c) => c.json({ error: "nope" }, 404));
  app.get("/boom", () => {
    throw new Error("handler failed", { cause: new Error("root cause") });
  });
  app.get("/teapot", () => {
    throw new HTTPException(418, { message: "short and stout" });
  });
  app.onError((err, c) => {
    onError(err);
    return c.json({ error: { code: "internal_error" } }, err instanceof HTTPException ? err.status : 500);
  });
  return { app, onError };
}

/** Runs one request through the app with a real ExecutionContext, then waits for its background work. */
async function run(path: string, headers: Record<string, string> = {}) {
  const double = bindingDouble();
  const { app, onError } = testApp();
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://auth.example${path}`, { headers }),
    { log_worker: double.binding },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { res, double, onError };
}

describe("requestLogger: request id", () => {
  it("keeps a valid incoming X-Request-Id, echoes it and puts it on every entry", async () => {
    const { res, double } = await run("/hello", { "X-Request-Id": "abc_DEF-123" });
    expect(res.headers.get("X-Request-Id")).toBe("abc_DEF-123");
    expect(await res.json()).toEqual({ requestId: "abc_DEF-123" });
    expect(double.entries().map((e) => e.requestId)).toEqual(["abc_DEF-123", "abc_DEF-123"]);
  });

  for (const bad of ["has space", "semi;colon", "x".repeat(129), "dot.ted", "<script>", ""]) {
    it(`replaces an invalid incoming id (${JSON.stringify(bad.slice(0, 12))}) with a UUID`, async () => {
      const { res, double } = await run("/hello", { "X-Request-Id": bad });
      const id = res.headers.get("X-Request-Id");
      expect(id).toMatch(UUID);
      expect(double.entries().every((e) => e.requestId === id)).toBe(true);
    });
  }

  it("makes a UUID when there is none, different per request", async () => {
    const first = (await run("/hello")).res.headers.get("X-Request-Id");
    const second = (await run("/hello")).res.headers.get("X-Request-Id");
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });
});

describe("requestLogger: one batch per request", () => {
  it("sends the handler's lines and one summary line in exactly one binding call", async () => {
    const { res, double } = await run("/hello");
    expect(res.status).toBe(200);
    expect(double.calls).toHaveLength(1);
    const [line, summary] = double.calls[0]?.entries ?? [];
    expect(line).toMatchObject({
      level: "info",
      message: "handling",
      service: "test-worker",
      password: "[REDACTED]",
    });
    expect(summary).toMatchObject({
      level: "info",
      message: "GET /hello 200",
      method: "GET",
      path: "/hello",
      status: 200,
      durationMs: expect.any(Number),
      service: "test-worker",
    });
    expect(double.calls[0]?.text).not.toContain("pw-mw");
  });

  it("logs a 4xx summary at warn", async () => {
    const { double } = await run("/missing");
    expect(double.entries()).toEqual([
      expect.objectContaining({ level: "warn", status: 404, path: "/missing" }),
    ]);
  });

  it("logs a thrown error under err at level error, and app.onError still answers", async () => {
    const { res, double, onError } = await run("/boom", { "X-Request-Id": "boom-1" });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal_error" } });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(res.headers.get("X-Request-Id")).toBe("boom-1");
    expect(double.entries()).toEqual([
      expect.objectContaining({
        level: "error",
        status: 500,
        message: "GET /boom 500",
        err: expect.objectContaining({
          name: "Error",
          message: "handler failed",
          cause: expect.objectContaining({ message: "root cause" }),
        }),
      }),
    ]);
  });

  it("logs the status app.onError chose for a thrown HTTPException", async () => {
    const { res, double } = await run("/teapot");
    expect(res.status).toBe(418);
    expect(double.entries()[0]).toMatchObject({
      level: "warn",
      status: 418,
      err: { message: "short and stout" },
    });
  });

  it("answers before the log batch is delivered", async () => {
    let deliver: (res: Response) => void = () => {};
    const binding: LogBinding = {
      fetch: vi.fn(() => new Promise<Response>((resolve) => (deliver = resolve))),
    };
    const { app } = testApp();
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://auth.example/hello"), { log_worker: binding }, ctx);
    // The response is complete while the binding call is still pending.
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(binding.fetch).toHaveBeenCalledTimes(1));
    deliver(new Response(null, { status: 201 }));
    await waitOnExecutionContext(ctx);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("answers normally when the binding is missing, leaving one console.error line", async () => {
    const { app } = testApp();
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://auth.example/hello"), {} as TestEnv["Bindings"], ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(consoleError).toHaveBeenCalledTimes(1);
  });
});

describe("requestLogger never changes the response", () => {
  const boom = {
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
      getPrototypeOf() {
        throw new Error("getPrototypeOf");
      },
    },
  );
  const json = {
    toJSON() {
      throw new Error("toJSON");
    },
  };

  /** An app whose handler logs hostile values; `fields` go to the middleware. */
  async function hostileRun(fields: Record<string, unknown> | undefined) {
    const double = bindingDouble();
    const app = new Hono<TestEnv>();
    app.use(requestLogger({ service: "test-worker", fields }));
    app.get("/hostile", (c) => {
      const child = c.var.log.child(boom);
      child.info("child of a getter", { json });
      c.var.log.child(trap).warn("child of a proxy");
      c.var.log.info("proxy as fields", trap);
      return c.json({ requestId: c.var.requestId, ok: true }, 201, { "X-Custom": "yes" });
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("https://auth.example/hostile", { headers: { "X-Request-Id": "hostile-1" } }),
      { log_worker: double.binding },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { res, double };
  }

  it("answers as the handler said when the middleware's fields throw, and child() gets hostile values", async () => {
    for (const fields of [undefined, boom, trap as Record<string, unknown>]) {
      const { res, double } = await hostileRun(fields);
      expect(res.status).toBe(201);
      expect(res.headers.get("X-Custom")).toBe("yes");
      expect(res.headers.get("X-Request-Id")).toBe("hostile-1");
      expect(await res.json()).toEqual({ requestId: "hostile-1", ok: true });
      // Every line still went out, in one batch, with the request id.
      expect(double.calls).toHaveLength(1);
      expect(double.entries().map((e) => [e.message, e.requestId])).toEqual([
        ["child of a getter", "hostile-1"],
        ["child of a proxy", "hostile-1"],
        ["proxy as fields", "hostile-1"],
        ["GET /hostile 201", "hostile-1"],
      ]);
      expect(double.entries()[0]).toMatchObject({ ok: 1, boom: "[Unreadable]", json: "[Unserializable]" });
    }
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("answers as the handler said when the binding getter and the request-id header option throw", async () => {
    const app = new Hono<TestEnv>();
    app.use(
      requestLogger({
        service: "test-worker",
        binding: () => {
          throw new Error("no binding");
        },
        requestIdHeader: 42 as unknown as string,
      }),
    );
    app.get("/ok", (c) => {
      c.var.log.info("still a logger");
      return c.text("fine");
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("https://auth.example/ok"),
      { log_worker: bindingDouble().binding },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("fine");
  });
});
