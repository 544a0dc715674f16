// auth-worker and log-worker as two real `wrangler dev` processes, joined by
// the service binding through a private dev registry: a login on auth-worker
// shows up in log-worker's KV under the login's request id, without the password.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./stack";

interface StoredEntry {
  level: string;
  message: string;
  service?: string;
  requestId?: string;
  [field: string]: unknown;
}

describe("auth-worker logging to log-worker under wrangler dev", () => {
  let stack: Stack;
  let authUrl: string;
  beforeAll(async () => {
    stack = await startStack({ auth: true });
    if (!stack.authWorker)
      throw new Error("startStack did not start auth-worker (is wrangler.auth.toml there?)");
    authUrl = stack.authWorker.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Every entry waiting in log-worker's KV, and the raw JSON they came in. */
  async function kvLogs(): Promise<{ logs: StoredEntry[]; raw: string }> {
    const res = await stack.admin("/debug/kv-logs?limit=1000");
    expect(res.status).toBe(200);
    const raw = await res.text();
    return { logs: (JSON.parse(raw) as { logs: StoredEntry[] }).logs, raw };
  }

  it("a login's auth.login.success reaches /debug/kv-logs with the response's X-Request-Id, and the password is nowhere", async () => {
    const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = `e2e-password-${crypto.randomUUID()}`;

    const register = await fetch(`${authUrl}/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    expect(register.status).toBe(201);

    const login = await fetch(`${authUrl}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    expect(token).toEqual(expect.any(String));
    const requestId = login.headers.get("X-Request-Id");
    expect(requestId).toEqual(expect.any(String));

    // The batch is sent in waitUntil after the response: poll until it landed.
    let found: StoredEntry | undefined;
    const deadline = Date.now() + 10_000;
    while (!found && Date.now() < deadline) {
      const { logs } = await kvLogs();
      found = logs.find((e) => e.message === "auth.login.success" && e.requestId === requestId);
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toMatchObject({ level: "info", service: "auth-worker", requestId, email });

    const { logs, raw } = await kvLogs();
    expect(logs.filter((e) => e.requestId === requestId).map((e) => e.message)).toEqual([
      "auth.login.success",
      "POST /login 200",
    ]);
    expect(logs.some((e) => e.message === "auth.register" && e.email === email)).toBe(true);
    expect(raw).not.toContain(password);
    expect(raw).not.toContain(token);
  });

  it("login attempts past the per-email limit answer 429 with Retry-After (the rate limiting binding runs in wrangler dev)", async () => {
    const email = `e2e-limit-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const statuses: number[] = [];
    let limited: Response | undefined;
    // 5 a minute per email; the window may roll over once, so allow twice that.
    for (let i = 0; i < 11 && !limited; i++) {
      const res = await fetch(`${authUrl}/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email, password: "wrong password" }),
      });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(5);
    expect(limited?.headers.get("Retry-After")).toBe("60");
    expect(await limited?.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});
