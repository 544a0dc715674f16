import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./stack";

describe("log-worker under wrangler dev", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("answers /health without a key", async () => {
    const res = await fetch(`${stack.logWorker.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it("stores a POSTed log and shows it in /debug/kv-logs", async () => {
    const marker = `e2e-${crypto.randomUUID()}`;
    const post = await stack.admin("/log", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Worker-Request": "true" },
      body: JSON.stringify({ level: "warn", message: marker, service: "e2e", extra: { n: 1 } }),
    });
    expect(post.status).toBe(201);
    const { accepted, key } = (await post.json()) as { accepted: number; key: string };
    expect(accepted).toBe(1);
    expect(key).toMatch(/^log:\d{13}:[a-z2-7]{16}$/);

    const res = await stack.admin(`/debug/kv-logs?q=${marker}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { logs: Record<string, unknown>[]; cursor: string | null };
    expect(body.logs).toHaveLength(1);
    expect(body.logs[0]).toMatchObject({ level: "warn", message: marker, service: "e2e", extra: { n: 1 } });
    expect(body.logs[0]?.id).toEqual(expect.any(String));
    expect(body.logs[0]?.receivedAt).toEqual(expect.any(String));
  });

  it("refuses the debug view without the key", async () => {
    const res = await fetch(`${stack.logWorker.url}/debug/kv-logs`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "missing_api_key" } });
  });
});
