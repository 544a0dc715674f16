/**
 * Alerts, evaluated against the real local KV and R2, with the webhook
 * receiver injected as the `fetch` of the evaluator (a workerd test cannot
 * listen on a port; test/e2e/alerts.test.ts delivers to a real one).
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { AlertEnv } from "../src/alerts/evaluate";
import { evaluateAlerts, runAlerts } from "../src/alerts/evaluate";
import { ALERT_STATE_KEY } from "../src/alerts/state";
import { app } from "../src/app";
import { LAST_RUN_KEY } from "../src/archive/layout";
import { DAILY_CRON } from "../src/archive/scheduled";
import worker from "../src/index";
import { seedBatches, wrapBinding } from "./archive-helpers";
import { API_KEY, json, logKeys, postLog, resetStorage } from "./helpers";

beforeEach(resetStorage);

const HOUR = 3_600_000;
const URL_SET = { ALERT_WEBHOOK_URL: "https://alerts.example/hook/T000/B000/secret-path" };

/** A webhook receiver: records every request and answers what `respond` says. */
function receiver(respond: (call: number) => number | Error = () => 200) {
  const calls: { url: string; headers: Headers; body: string }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
    const answer = respond(calls.length);
    if (answer instanceof Error) throw answer;
    return new Response("ok", { status: answer });
  }) as typeof globalThis.fetch;
  const payloads = () => calls.map((c) => JSON.parse(c.body) as Record<string, unknown>);
  return { fetch, calls, payloads };
}

const noSleep = async () => {};

function alertEnv(vars: Record<string, string> = {}, bindings: Partial<AlertEnv> = {}): AlertEnv {
  return { ...env, ...URL_SET, ...vars, ...bindings } as AlertEnv;
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const errorsFrom = (service: string) => (b: number) => ({ level: "error", service, message: `boom ${b}` });

describe("alerts off", () => {
  it("without ALERT_WEBHOOK_URL nothing is read, written or sent", async () => {
    await env.log_archive.put(LAST_RUN_KEY, JSON.stringify({ ok: false, finishedAt: "x" }));
    const r = receiver();
    const run = await evaluateAlerts(env, { fetch: r.fetch });
    expect(run.enabled).toBe(false);
    expect(r.calls).toHaveLength(0);
    expect(await env.log_archive.head(ALERT_STATE_KEY)).toBeNull();
  });
});

describe("a rule", () => {
  it("fires once per episode with a signed payload, then resolves once", async () => {
    const now = Date.now();
    await seedBatches(3, 1, { startMs: now - 60_000, entry: errorsFrom("api") });
    const vars = {
      ALERT_WEBHOOK_SECRET: "s3cret",
      ALERT_RULES: JSON.stringify([{ name: "api errors", service: "api", threshold: 3, windowMinutes: 15 }]),
    };
    const r = receiver();
    const tick = (at: number) =>
      evaluateAlerts(alertEnv(vars), { fetch: r.fetch, now: () => at, sleep: noSleep });

    await tick(now);
    expect(r.calls).toHaveLength(1);
    const [call] = r.calls;
    expect(call?.url).toBe(URL_SET.ALERT_WEBHOOK_URL);
    expect(call?.headers.get("Content-Type")).toBe("application/json");
    expect(call?.headers.get("X-Log-Signature")).toBe(`sha256=${await hmacHex("s3cret", call?.body ?? "")}`);
    expect(r.payloads()[0]).toMatchObject({
      status: "firing",
      name: "api errors",
      value: 3,
      threshold: 3,
      startsAt: new Date(now).toISOString(),
      endsAt: null,
    });
    expect(r.payloads()[0]?.text).toMatch(/^\[FIRING\] log-worker api errors: .*3 error\+ entries from api/);

    await tick(now + 60_000); // still firing: no second message
    expect(r.calls).toHaveLength(1);

    await tick(now + 20 * 60_000); // the errors left the window
    expect(r.calls).toHaveLength(2);
    expect(r.payloads()[1]).toMatchObject({
      status: "resolved",
      name: "api errors",
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 20 * 60_000).toISOString(),
    });
    await tick(now + 25 * 60_000);
    expect(r.calls).toHaveLength(2);
  });

  it("is decided from KV list metadata when it can be, and reads bodies only for text", async () => {
    const now = Date.now();
    // 50 batches of 5 entries from "api": one error each, one in ten says "DB Timeout".
    await seedBatches(50, 5, {
      startMs: now - 120_000,
      entry: (b, i) => ({
        level: i === 0 ? "error" : "info",
        service: "api",
        message: i === 0 && b % 10 === 0 ? "DB Timeout" : `ok ${b}.${i}`,
      }),
    });
    const counting = () => wrapBinding(env.log_state);

    const byLevel = counting();
    const rule = { name: "api errors", service: "api", threshold: 10, windowMinutes: 15 };
    const run = await evaluateAlerts(
      alertEnv({ ALERT_RULES: JSON.stringify([rule]) }, { log_state: byLevel.binding }),
      { fetch: receiver().fetch, now: () => now, sleep: noSleep },
    );
    expect(run.conditions.find((c) => c.name === "api errors")).toMatchObject({ firing: true });
    expect(byLevel.calls.get ?? 0, "no batch body read").toBe(0);

    const byText = counting();
    const textRule = { name: "timeouts", q: "timeout", threshold: 6, windowMinutes: 15 };
    const run2 = await evaluateAlerts(
      alertEnv({ ALERT_RULES: JSON.stringify([textRule]) }, { log_state: byText.binding }),
      { fetch: receiver().fetch, now: () => now, sleep: noSleep },
    );
    expect(run2.conditions.find((c) => c.name === "timeouts")).toMatchObject({ firing: false, value: 5 });
    expect(byText.calls.get).toBeGreaterThan(0);
    expect(run2.kv?.gets).toBe(byText.calls.get);
  });
});

describe("a rule over idempotent batches", () => {
  it("counts batches whose key carries no time (keyed at the start of their UTC day)", async () => {
    const now = Date.now();
    for (const key of ["request-one-abcdef", "request-two-abcdef"]) {
      const res = await postLog([{ level: "error", service: "web", message: "checkout failed" }], {
        headers: { "Idempotency-Key": key },
      });
      expect(res.status).toBe(201);
    }
    const dayStart = now - (now % (24 * HOUR));
    expect((await logKeys()).every((k) => k.startsWith(`log:${String(dayStart).padStart(13, "0")}:`))).toBe(
      true,
    );
    const rule = { name: "web errors", service: "web", threshold: 2, windowMinutes: 5 };
    const run = await evaluateAlerts(alertEnv({ ALERT_RULES: JSON.stringify([rule]) }), {
      fetch: receiver().fetch,
      now: () => now + 1_000,
      sleep: noSleep,
    });
    expect(run.conditions.find((c) => c.name === "web errors")).toMatchObject({ firing: true, value: 2 });
  });
});

describe("built-in alerts", () => {
  it("archive failed: fires, and a receiver that is down gets it again on the next tick, never twice", async () => {
    await env.log_archive.put(
      LAST_RUN_KEY,
      JSON.stringify({ runId: "r1", ok: false, finishedAt: "2026-11-30T00:01:00.000Z", error: "R2 is down" }),
    );
    const sleeps: number[] = [];
    const down = receiver(() => 503);
    const first = await evaluateAlerts(alertEnv(), {
      fetch: down.fetch,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(first.deliveries).toEqual([expect.objectContaining({ ok: false, httpStatus: 503, attempts: 4 })]);
    expect(sleeps, "retried with growing backoff").toEqual([250, 500, 1000]);
    const stats = await json<{ alerts: { lastDelivery: { ok: boolean; error: string } } }>(
      await app.fetch(
        new Request("https://log-worker.test/debug/stats", { headers: { "X-API-Key": API_KEY } }),
        alertEnv(),
      ),
    );
    expect(stats.alerts.lastDelivery).toMatchObject({ ok: false, error: "HTTP 503" });

    const up = receiver();
    await evaluateAlerts(alertEnv(), { fetch: up.fetch, sleep: noSleep });
    expect(up.payloads()).toEqual([expect.objectContaining({ status: "firing", name: "archive_failed" })]);
    expect(String(up.payloads()[0]?.text)).toMatch(/R2 is down/);
    await evaluateAlerts(alertEnv(), { fetch: up.fetch, sleep: noSleep });
    expect(up.calls).toHaveLength(1);

    await env.log_archive.put(LAST_RUN_KEY, JSON.stringify({ runId: "r2", ok: true, finishedAt: "later" }));
    await evaluateAlerts(alertEnv(), { fetch: up.fetch, sleep: noSleep });
    expect(up.payloads()[1]).toMatchObject({ status: "resolved", name: "archive_failed" });
  });

  it("stale backlog: a reminder at most every ALERT_REPEAT_HOURS, one resolved when the batch is gone", async () => {
    const now = Date.now();
    await seedBatches(1, 1, { startMs: now - 30 * HOUR });
    const r = receiver();
    const tick = (at: number) =>
      evaluateAlerts(alertEnv(), { fetch: r.fetch, now: () => at, sleep: noSleep });
    await tick(now);
    await tick(now + 1 * HOUR);
    await tick(now + 3.9 * HOUR);
    expect(r.payloads().map((p) => p.status)).toEqual(["firing"]);
    expect(r.payloads()[0]).toMatchObject({ name: "archive_backlog", value: 30, threshold: 26 });
    await tick(now + 4 * HOUR);
    expect(r.payloads().map((p) => p.text)).toEqual([
      expect.stringMatching(/^\[FIRING\]/),
      expect.stringMatching(/^\[STILL FIRING\]/),
    ]);
    for (const key of await logKeys()) await env.log_state.delete(key);
    await tick(now + 5 * HOUR);
    await tick(now + 6 * HOUR);
    expect(r.payloads().map((p) => p.status)).toEqual(["firing", "firing", "resolved"]);
  });
});

describe("robustness", () => {
  it("a bad ALERT_RULES never throws: the built-ins still run and /debug/stats says what is wrong", async () => {
    await seedBatches(1, 1, { startMs: Date.now() - 30 * HOUR });
    for (const rules of ['[{"name":"x","threshold":"ten","windowMinutes":5}]', "not json", '{"name":"x"}']) {
      const r = receiver();
      await env.log_archive.delete(ALERT_STATE_KEY);
      const run = await runAlerts(alertEnv({ ALERT_RULES: rules }), { fetch: r.fetch, sleep: noSleep });
      expect(run?.conditions.map((c) => c.name)).toEqual(["archive_failed", "archive_backlog"]);
      expect(r.payloads()).toEqual([expect.objectContaining({ name: "archive_backlog" })]);
      const res = await app.fetch(
        new Request("https://log-worker.test/debug/stats", { headers: { "X-API-Key": API_KEY } }),
        alertEnv({ ALERT_RULES: rules }),
      );
      const body = await json<{ settingsIssues: string[] }>(res);
      expect(body.settingsIssues.join("\n")).toMatch(/ALERT_RULES/);
    }
    const stats = await json<{ settingsIssues: string[] }>(
      await app.fetch(
        new Request("https://log-worker.test/debug/stats", { headers: { "X-API-Key": API_KEY } }),
        alertEnv({ ALERT_RULES: '[{"name":"x","threshold":"ten","windowMinutes":5}]' }),
      ),
    );
    expect(stats.settingsIssues).toContain("ALERT_RULES[0].threshold: invalid type");
  });

  it("two evaluations at once send one firing", async () => {
    await seedBatches(1, 1, { startMs: Date.now() - 30 * HOUR });
    const r = receiver();
    const outcomes = await Promise.all([
      evaluateAlerts(alertEnv(), { fetch: r.fetch, sleep: noSleep }),
      evaluateAlerts(alertEnv(), { fetch: r.fetch, sleep: noSleep }),
    ]);
    expect(r.calls).toHaveLength(1);
    expect(outcomes.flatMap((o) => o.deliveries)).toHaveLength(1);
  });

  it("a receiver that is down never breaks the archive: the cron archives, then records the failed delivery", async () => {
    const midnight = Date.UTC(2026, 10, 29);
    const archived = await seedBatches(10, 2, { startMs: midnight - 30 * HOUR });
    // Received after the cutoff: stays in KV, older than ALERT_BACKLOG_MAX_HOURS, so an alert fires.
    await seedBatches(1, 1, { startMs: midnight + HOUR });
    await env.log_archive.put(
      LAST_RUN_KEY,
      JSON.stringify({ runId: "r0", ok: false, finishedAt: "x", error: "e" }),
    );
    const ctx = createExecutionContext();
    // Nothing listens on port 9 (discard): every attempt fails.
    const down = { ...env, ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook" } as unknown as Env;
    await worker.scheduled(
      createScheduledController({ cron: DAILY_CRON, scheduledTime: midnight }),
      down,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await logKeys()).toHaveLength(1);
    const lastRun = (await (await env.log_archive.get(LAST_RUN_KEY))?.json()) as {
      ok: boolean;
      entries: number;
      finishedAt: string;
    };
    expect(lastRun).toMatchObject({ ok: true, entries: archived.length });
    const state = (await (await env.log_archive.get(ALERT_STATE_KEY))?.json()) as {
      lastDelivery: { ok: boolean; at: string } | null;
    };
    // The built-ins were evaluated after the run (the failure it replaced no longer fires),
    // and the backlog alert's delivery failed without touching the archive.
    expect(state.lastDelivery).toMatchObject({ ok: false });
    expect((state.lastDelivery?.at ?? "") >= lastRun.finishedAt).toBe(true);
  });
});
