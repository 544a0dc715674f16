import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { type RequestLoggerEnv, requestLogger } from "../src/middleware";
import type { IngestResult } from "../src/schema";
import type { IngestBinding } from "../src/send";
import { sink } from "./binding-double";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

type TestEnv = { Bindings: { log_worker: IngestBinding } } & RequestLoggerEnv;

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
    throw new HTTPException(418, { message: "short and stout", cause: new Error("inner detail") });
  });
  // A body parsed without a guard: the SyntaxError becomes a 500.
  app.post("/parse", async (c) => c.json(JSON.parse(await c.req.text())));
  // A body parsed with one: the SyntaxError is the cause of a 400.
  app.post("/login", async (c) => {
    try {
      return c.json(await c.req.json());
    } catch (err) {
      throw new HTTPException(400, { message: "The body is not valid JSON.", cause: err });
    }
  });
  app.onError((err, c) => {
    onError(err);
    return c.json({ error: { code: "internal_error" } }, err instanceof HTTPException ? err.status : 500);
  });
  return { app, onError };
}

/** Runs one request through the app with a real ExecutionContext, then waits for its background work. */
async function run(path: string, headers: Record<string, string> = {}, body?: string) {
  const double = await sink();
  const { app, onError } = testApp();
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://auth.example${path}`, {
      headers,
      method: body === undefined ? "GET" : "POST",
      body,
    }),
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
    expect((await double.entries()).map((e) => e.requestId)).toEqual(["abc_DEF-123", "abc_DEF-123"]);
  });

  for (const bad of ["has space", "semi;colon", "x".repeat(129), "dot.ted", "<script>", ""]) {
    it(`replaces an invalid incoming id (${JSON.stringify(bad.slice(0, 12))}) with a UUID`, async () => {
      const { res, double } = await run("/hello", { "X-Request-Id": bad });
      const id = res.headers.get("X-Request-Id");
      expect(id).toMatch(UUID);
      expect((await double.entries()).every((e) => e.requestId === id)).toBe(true);
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
    expect(await double.calls()).toHaveLength(1);
    const [line, summary] = (await double.calls())[0]?.entries ?? [];
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
    expect((await double.calls())[0]?.json).not.toContain("pw-mw");
  });

  it("logs a 4xx summary at warn", async () => {
    const { double } = await run("/missing");
    expect(await double.entries()).toEqual([
      expect.objectContaining({ level: "warn", status: 404, path: "/missing" }),
    ]);
  });

  it("logs a thrown error under err at level error, and app.onError still answers", async () => {
    const { res, double, onError } = await run("/boom", { "X-Request-Id": "boom-1" });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal_error" } });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(res.headers.get("X-Request-Id")).toBe("boom-1");
    expect(await double.entries()).toEqual([
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

  it("summarises a 4xx's error by name and message only: no stack, no cause", async () => {
    const { res, double } = await run("/teapot");
    expect(res.status).toBe(418);
    const [summary] = await double.entries();
    expect(summary).toMatchObject({ level: "warn", status: 418 });
    expect(summary?.err).toEqual({ name: "Error", message: "short and stout" });
  });

  it("answers before the log batch is delivered", async () => {
    let deliver: (result: IngestResult) => void = () => {};
    const binding = {
      ingest: vi.fn(() => new Promise<IngestResult>((resolve) => (deliver = resolve))),
    };
    const { app } = testApp();
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://auth.example/hello"), { log_worker: binding }, ctx);
    // The response is complete while the binding call is still pending.
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(binding.ingest).toHaveBeenCalledTimes(1));
    deliver({ ok: true, accepted: 2, key: "k" });
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

describe("requestLogger: nothing from the request body reaches the binding", () => {
  const BODY = '{"email":"a@b.co","password":hunter2SECRET}';
  const leaked = (text: string) => /hunter|SECRET|2SEC/.test(text);

  it("a malformed body turned into a 400: the SyntaxError cause is not logged", async () => {
    const { res, double } = await run("/login", { "Content-Type": "application/json" }, BODY);
    expect(res.status).toBe(400);
    const [call] = await double.calls();
    expect(call?.entries[0]).toMatchObject({ status: 400, err: { message: "The body is not valid JSON." } });
    expect(leaked(call?.json ?? "")).toBe(false);
    expect(leaked(String(consoleError.mock.calls))).toBe(false);
  });

  it("a malformed body that becomes a 500: the SyntaxError's message and first stack line are withheld", async () => {
    const { res, double } = await run("/parse", { "Content-Type": "application/json" }, BODY);
    expect(res.status).toBe(500);
    const [call] = await double.calls();
    expect(call?.entries[0]).toMatchObject({
      level: "error",
      err: { name: "SyntaxError", message: expect.stringContaining("withheld"), stack: expect.any(String) },
    });
    expect(leaked(call?.json ?? "")).toBe(false);
  });

  it("the query string is not logged, only the path", async () => {
    const { double } = await run("/hello?token=q-secret-1&next=x");
    const [call] = await double.calls();
    expect(call?.json).not.toContain("q-secret-1");
    expect(call?.entries.at(-1)).toMatchObject({ path: "/hello" });
  });
});
