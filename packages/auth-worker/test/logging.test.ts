// auth-worker beside the REAL log-worker (bundled by test/setup/global-setup.ts):
// what reaches log-worker's KV, and that logging never changes or delays a response.
import { env, exports } from "cloudflare:workers";
import { createLogger, type IngestBinding, sendLog } from "@log-service/client";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { type Call, call, logsOf, storedLogs, uniqueEmail } from "./helpers";

const PASSWORD = "a password nobody should ever see";

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  // The client's fallback line goes here when log-worker is down; keep it, quietly.
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

describe("events in log-worker", () => {
  it("a login's events arrive in log-worker's KV with the request id, and the password is nowhere", async () => {
    const email = uniqueEmail("events");
    const register = await call("POST", "/register", { json: { email, password: PASSWORD } });
    const login = await call("POST", "/login", {
      json: { email, password: PASSWORD },
      headers: { "X-Request-Id": `login-${crypto.randomUUID()}` },
    });
    await Promise.all([register.settled(), login.settled()]);
    expect(login.status).toBe(200);
    expect(login.requestId).toMatch(/^login-/);

    const loginLogs = await logsOf(login.requestId ?? "");
    expect(loginLogs.map((e) => [e.level, e.message])).toEqual([
      ["info", "auth.login.success"],
      ["info", "POST /login 200"],
    ]);
    for (const entry of loginLogs) {
      expect(entry).toMatchObject({ service: "auth-worker", requestId: login.requestId });
    }
    expect(loginLogs[0]).toMatchObject({ email, userId: expect.any(String) });
    expect(await logsOf(register.requestId ?? "")).toEqual([
      expect.objectContaining({ message: "auth.register", email }),
      expect.objectContaining({ message: "POST /register 201", status: 201 }),
    ]);

    const token = (login.body as { token: string }).token;
    const { raw } = await storedLogs();
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(token.split(".")[2]);
  });

  it("a failed login is logged with its reason, never the password", async () => {
    const email = uniqueEmail("failure");
    await (await call("POST", "/register", { json: { email, password: PASSWORD } })).settled();
    const wrong = await call("POST", "/login", { json: { email, password: `${PASSWORD}!` } });
    const unknown = await call("POST", "/login", {
      json: { email: uniqueEmail("ghost"), password: PASSWORD },
    });
    await Promise.all([wrong.settled(), unknown.settled()]);

    expect(await logsOf(wrong.requestId ?? "")).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "auth.login.failure",
        reason: "wrong_password",
        email,
      }),
      expect.objectContaining({ level: "warn", message: "POST /login 401", status: 401 }),
    ]);
    expect(await logsOf(unknown.requestId ?? "")).toEqual([
      expect.objectContaining({ level: "warn", message: "auth.login.failure", reason: "unknown_email" }),
      expect.objectContaining({ level: "warn", status: 401 }),
    ]);
    expect((await storedLogs()).raw).not.toContain(PASSWORD);
  });

  it("through the worker's own entry and its configured log_worker binding", async () => {
    const requestId = `entry-${crypto.randomUUID()}`;
    const res = await exports.default.fetch("https://auth.test/health", {
      headers: { "X-Request-Id": requestId },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toBe(requestId);
    // The batch goes out in waitUntil after the response: wait for it to land.
    await vi.waitFor(async () => expect(await logsOf(requestId)).toHaveLength(1), {
      timeout: 5_000,
      interval: 100,
    });
    expect((await logsOf(requestId))[0]).toMatchObject({
      message: "GET /health 200",
      service: "auth-worker",
    });
  });
});

describe("nothing from a request body reaches a log line", () => {
  it("a malformed login body (password unquoted): 400, and no character run of the password reaches log-worker or console", async () => {
    const requestId = `malformed-${crypto.randomUUID()}`;
    const res = await call("POST", "/login", {
      body: '{"email":"a@b.co","password":hunter2SECRET}',
      headers: { "Content-Type": "application/json", "X-Request-Id": requestId },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "invalid_json" } });
    await res.settled();
    // The request's summary did arrive, so the check below looks at what was sent.
    expect(await logsOf(requestId)).toEqual([
      expect.objectContaining({ level: "warn", message: "POST /login 400", status: 400 }),
    ]);
    const { raw } = await storedLogs();
    const sent = JSON.stringify(await logsOf(requestId)) + raw + JSON.stringify(consoleError.mock.calls);
    for (const piece of ["hunter", "unter2", "2SEC", "SECRET", "ECRET"]) expect(sent).not.toContain(piece);
  });

  it("a zod refusal is logged by code and the app's own message, never the values sent", async () => {
    const requestId = `invalid-${crypto.randomUUID()}`;
    const res = await call("POST", "/register", {
      json: { email: "hunter2-not-an-email", password: "short" },
      headers: { "X-Request-Id": requestId },
    });
    expect(res.status).toBe(400);
    await res.settled();
    const logged = JSON.stringify(await logsOf(requestId));
    expect(logged).toContain("invalid_email");
    expect(logged).not.toContain("hunter2");
  });
});

describe("the client outside a request, on the generated binding type", () => {
  it("sendLog and an awaited logger flush (as in a scheduled handler) store their entries", async () => {
    const marker = `scheduled-${crypto.randomUUID()}`;
    await sendLog(env.log_worker, null, {
      message: "direct",
      requestId: marker,
      service: "auth-worker",
      token: "t-1",
    });
    const log = createLogger({ binding: env.log_worker, service: "auth-worker", requestId: marker });
    log.info("from a logger", { apiKey: "k-1" });
    await log.flush();
    const stored = await logsOf(marker);
    expect(stored.map((e) => [e.message, e.token ?? e.apiKey])).toEqual([
      ["direct", "[REDACTED]"],
      ["from a logger", "[REDACTED]"],
    ]);
  });
});

describe("retries never duplicate (the real log-worker)", () => {
  it("a retry after a write that succeeded but answered too late stores the batch once", async () => {
    const marker = `retry-${crypto.randomUUID()}`;
    const keys: string[] = [];
    // Stores through the real LogIngest, but answers the first call only after the client gave up on it.
    const lateFirst: IngestBinding = {
      async ingest(entries, options) {
        keys.push(options.idempotencyKey);
        const result = await env.log_worker.ingest(entries, options);
        if (keys.length === 1) await new Promise((resolve) => setTimeout(resolve, 1_000));
        return result;
      },
    };
    await sendLog(lateFirst, null, [{ message: "once", requestId: marker }], {
      timeoutMs: 200,
      backoffMs: 1,
    });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect((await logsOf(marker)).map((e) => e.message)).toEqual(["once"]);
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe("log-worker's health never shows in auth-worker's answers", () => {
  it("a log-worker that has not answered yet does not delay the login response", async () => {
    const email = uniqueEmail("held");
    await (await call("POST", "/register", { json: { email, password: PASSWORD } })).settled();
    // A log-worker that holds every request until the test lets it go.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arrived: string[] = [];
    const holding: IngestBinding = {
      async ingest(entries, options) {
        arrived.push(JSON.stringify(entries));
        await held;
        return env.log_worker.ingest(entries, options);
      },
    };
    const login = await call("POST", "/login", { json: { email, password: PASSWORD }, logWorker: holding });
    // The response is complete while log-worker still holds the batch: had the
    // response waited for logging, the call above would never have returned.
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token: expect.any(String) });
    await vi.waitFor(() => expect(arrived).toHaveLength(1));
    expect(await logsOf(login.requestId ?? "")).toEqual([]);
    release();
    await login.settled();
    expect((await logsOf(login.requestId ?? "")).map((e) => e.message)).toEqual([
      "auth.login.success",
      "POST /login 200",
    ]);
  });

  it("a log-worker that takes 2 s changes nothing in the login response, and its entries still arrive", async () => {
    const email = uniqueEmail("slow");
    await (await call("POST", "/register", { json: { email, password: PASSWORD } })).settled();
    const login = await call("POST", "/login", {
      json: { email, password: PASSWORD },
      logWorker: env.SLOW_LOG_WORKER,
    });
    expect(login.status).toBe(200);
    // Right after the response the slow log-worker has not stored anything yet.
    expect(await logsOf(login.requestId ?? "")).toEqual([]);
    await login.settled();
    expect((await logsOf(login.requestId ?? "")).map((e) => e.message)).toEqual([
      "auth.login.success",
      "POST /login 200",
    ]);
  });

  /** The same script of calls, through a given log_worker binding; volatile values normalised. */
  async function script(logWorker: IngestBinding | undefined): Promise<unknown[]> {
    const email = uniqueEmail("same");
    const calls: Call[] = [];
    calls.push(await call("POST", "/register", { json: { email, password: PASSWORD }, logWorker }));
    calls.push(await call("POST", "/register", { json: { email, password: PASSWORD }, logWorker }));
    calls.push(await call("POST", "/register", { json: { email: "bad", password: PASSWORD }, logWorker }));
    calls.push(await call("POST", "/login", { json: { email, password: "wrong password" }, logWorker }));
    calls.push(
      await call("POST", "/login", { json: { email: uniqueEmail("x"), password: PASSWORD }, logWorker }),
    );
    const login = await call("POST", "/login", { json: { email, password: PASSWORD }, logWorker });
    calls.push(login);
    const token = (login.body as { token?: string }).token;
    calls.push(await call("GET", "/me", { headers: { Authorization: `Bearer ${token}` }, logWorker }));
    calls.push(await call("GET", "/me", { logWorker }));
    await Promise.all(calls.map((c) => c.settled()));
    return calls.map((c) => ({
      status: c.status,
      contentType: c.res.headers.get("Content-Type"),
      hasRequestId: typeof c.requestId === "string",
      body: JSON.parse(
        JSON.stringify(c.body)
          .replaceAll(email, "<email>")
          .replace(/"(id|createdAt|expiresAt|token)":"[^"]*"/g, '"$1":"<$1>"'),
      ),
    }));
  }

  it("a log-worker answering 500, or unreachable, changes no status and no body", async () => {
    const healthy = await script(undefined);
    expect(consoleError).not.toHaveBeenCalled();
    const failing = await script(env.FAILING_LOG_WORKER);
    const unreachable = await script(env.UNREACHABLE_LOG_WORKER);
    expect(failing).toEqual(healthy);
    expect(unreachable).toEqual(healthy);
    // Sanity: the script did exercise every path.
    expect(healthy.map((r) => (r as { status: number }).status)).toEqual([
      201, 409, 400, 401, 401, 200, 200, 401,
    ]);
    // And the lost batches were written to console.error (one line per request), without the password.
    expect(consoleError).toHaveBeenCalledTimes(healthy.length * 2);
    for (const [line] of consoleError.mock.calls) expect(String(line)).not.toContain(PASSWORD);
  });
});
