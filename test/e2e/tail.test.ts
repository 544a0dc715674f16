// Tail capture across two real `wrangler dev` processes: auth-worker names
// log-worker in `tail_consumers`, and its invocations reach log-worker's KV as
// `source: "tail"` entries through the private dev registry. TAIL_CAPTURE=all
// comes from the env file (a `[vars]` default that .dev.vars can override).
// Locally: `scriptName` is null (the service is the request's host), CPU and
// wall time are 0 (left out), and an exception caught by wrangler's dev
// middleware is a 500 response with no `exceptions` entry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./stack";

interface StoredEntry {
  level: string;
  message: string;
  source?: string;
  service?: string;
  requestId?: string;
  kind?: string;
  [field: string]: unknown;
}

describe("tail capture under wrangler dev", () => {
  let stack: Stack;
  let authUrl: string;
  beforeAll(async () => {
    stack = await startStack({ auth: true, vars: { TAIL_CAPTURE: "all" } });
    if (!stack.authWorker)
      throw new Error("startStack did not start auth-worker (is wrangler.auth.toml there?)");
    authUrl = stack.authWorker.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function kvLogs(): Promise<StoredEntry[]> {
    const res = await stack.admin("/debug/kv-logs?limit=1000");
    expect(res.status).toBe(200);
    return ((await res.json()) as { logs: StoredEntry[] }).logs;
  }

  /** Polls until `match` finds entries (tail events arrive after the response). */
  async function waitFor(match: (logs: StoredEntry[]) => StoredEntry[]): Promise<StoredEntry[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = match(await kvLogs());
      if (found.length > 0 || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it("an auth-worker request arrives as a source: tail invocation entry carrying its request id", async () => {
    const requestId = `e2e-tail-${crypto.randomUUID()}`;
    const res = await fetch(`${authUrl}/login?next=%2Fme&token=query-secret`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Request-Id": requestId },
      body: JSON.stringify({ email: "nobody@example.com", password: "wrong-password-123" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("X-Request-Id")).toBe(requestId);

    const tail = await waitFor((logs) =>
      logs.filter((e) => e.source === "tail" && e.requestId === requestId),
    );
    expect(tail).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "POST /login 401",
        source: "tail",
        kind: "invocation",
        requestId,
        method: "POST",
        path: "/login",
        status: 401,
        outcome: "ok",
        // Locally scriptName is null: the request's host names the producer.
        service: new URL(authUrl).host,
      }),
    ]);
    expect(tail[0]).not.toHaveProperty("cpuTime");
    expect(tail[0]).not.toHaveProperty("wallTime");
    expect(JSON.stringify(tail)).not.toContain("query-secret");

    // The client's own batch for the same request is there too, once, and not marked as tail.
    const logs = await kvLogs();
    expect(
      logs.filter((e) => e.requestId === requestId && e.source !== "tail").map((e) => e.message),
    ).toContain("POST /login 401");
  });

  it("captures nothing of log-worker itself: its ingest over the binding leaves no tail entry", async () => {
    const requestId = `e2e-tail-${crypto.randomUUID()}`;
    const res = await fetch(`${authUrl}/health`, { headers: { "X-Request-Id": requestId } });
    expect(res.status).toBe(200);
    await waitFor((logs) => logs.filter((e) => e.source === "tail" && e.requestId === requestId));
    const logs = await kvLogs();
    const tail = logs.filter((e) => e.source === "tail");
    expect(tail.length).toBeGreaterThan(0);
    // log-worker serves /log (binding) and /debug/kv-logs (these polls): none of them is captured.
    expect(tail.filter((e) => e.path === "/log" || String(e.path).startsWith("/debug"))).toEqual([]);
    expect(tail.every((e) => e.service === new URL(authUrl).host)).toBe(true);
  });
});
