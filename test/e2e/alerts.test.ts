/**
 * Alerts over real HTTP: `wrangler dev` log-worker with ALERT_WEBHOOK_URL (from
 * the env file, as .dev.vars gives it to `npm run dev`) pointing at a Node HTTP
 * server on 127.0.0.1, and the secret given with --var. One cron tick delivers
 * signed webhooks that the receiver verifies as docs/operations.md shows.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./stack";

const SECRET = "e2e-alert-secret";
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let server: Server;
let stack: Stack;

/** The receiver's check: HMAC-SHA256 of the raw body with the shared secret, compared in constant time. */
function verified(headers: IncomingHttpHeaders, raw: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
  const given = Buffer.from(String(headers["x-log-signature"] ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  stack = await startStack({
    envVars: {
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/log-worker`,
      ALERT_RULES: JSON.stringify([
        { name: "e2e errors", service: "e2e-alerts", threshold: 1, windowMinutes: 5 },
      ]),
    },
    vars: { ALERT_WEBHOOK_SECRET: SECRET },
  });
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe("alerts from wrangler dev", () => {
  it("an error logged, a cron tick: a signed firing webhook reaches the local receiver", async () => {
    const res = await stack.admin("/log", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([{ level: "error", service: "e2e-alerts", message: "payment failed" }]),
    });
    expect(res.status).toBe(201);
    // KV list() may show a new key a moment late: tick until the rule sees it.
    for (let i = 0; i < 20 && received.length === 0; i++) {
      const tick = await fetch(`${stack.logWorker.url}/__scheduled?cron=*/5+*+*+*+*`);
      await tick.arrayBuffer();
      for (let j = 0; j < 10 && received.length === 0; j++) await new Promise((r) => setTimeout(r, 200));
    }
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(hook?.headers["content-type"]).toBe("application/json");
    expect(verified(hook?.headers ?? {}, hook?.body ?? "")).toBe(true);
    const payload = JSON.parse(hook?.body ?? "{}") as Record<string, unknown>;
    expect(payload).toMatchObject({
      status: "firing",
      name: "e2e errors",
      value: 1,
      threshold: 1,
      endsAt: null,
    });
    expect(payload.text).toMatch(/^\[FIRING\] log-worker e2e errors: /);

    const stats = (await (await stack.admin("/debug/stats")).json()) as {
      alerts: { enabled: boolean; signed: boolean; lastDelivery: { ok: boolean; httpStatus: number } };
    };
    expect(stats.alerts).toMatchObject({
      enabled: true,
      signed: true,
      lastDelivery: { ok: true, httpStatus: 200 },
    });
  });
});
