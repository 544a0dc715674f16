/** Fail-closed API-key protection of every route but /health and ingest over the binding. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { timingSafeEqualStrings } from "../src/http/auth";
import { API_KEY, json, logKeys, resetStorage } from "./helpers";

beforeEach(resetStorage);

const PROTECTED: ReadonlyArray<readonly [method: string, path: string]> = [
  ["POST", "/log"],
  ["POST", "/flush"],
  ["GET", "/debug/kv-logs"],
  ["GET", "/debug/r2-logs"],
  ["GET", "/debug/r2-logs/logs/dt=2026-01-01/x.ndjson.gz"],
  ["GET", "/debug/stats"],
];

function request(method: string, path: string, headers: Record<string, string> = {}): Request {
  const body = method === "POST" && path === "/log" ? JSON.stringify({ message: "x" }) : undefined;
  return new Request(`https://log-worker.test${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body,
  });
}

/** Calls the app with `env` changed, as a worker deployed with other settings would run. */
async function fetchWithEnv(req: Request, overrides: Partial<Record<keyof Env, unknown>>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(req, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("API key", () => {
  it.each(PROTECTED)("%s %s without a key → 401 missing_api_key", async (method, path) => {
    const res = await exports.default.fetch(request(method, path));
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "missing_api_key" } });
  });

  it.each(PROTECTED)("%s %s with a wrong key → 401 invalid_api_key", async (method, path) => {
    const res = await exports.default.fetch(request(method, path, { "X-API-Key": `${API_KEY}-not` }));
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_api_key" } });
  });

  it("a key that differs only in case, or a prefix of the key, is refused", async () => {
    for (const key of [API_KEY.toUpperCase(), API_KEY.slice(0, -1), `${API_KEY}x`]) {
      const res = await exports.default.fetch(request("GET", "/debug/kv-logs", { "X-API-Key": key }));
      expect(res.status, JSON.stringify(key)).toBe(401);
    }
  });

  it("the right key passes", async () => {
    const res = await exports.default.fetch(request("POST", "/log", { "X-API-Key": API_KEY }));
    expect(res.status).toBe(201);
    const list = await exports.default.fetch(request("GET", "/debug/kv-logs", { "X-API-Key": API_KEY }));
    expect(list.status).toBe(200);
  });

  it("a refused POST /log stores nothing", async () => {
    await exports.default.fetch(request("POST", "/log", { "X-API-Key": "wrong" }));
    await exports.default.fetch(request("POST", "/log"));
    expect(await logKeys()).toEqual([]);
  });

  it.each([
    ["unset", undefined],
    ["empty", ""],
  ])("with LOG_API_KEY %s every protected route fails closed → 500 not_configured", async (_, value) => {
    for (const [method, path] of PROTECTED) {
      // Even a request carrying the would-be key, or an empty key, is refused.
      for (const key of [API_KEY, ""]) {
        const res = await fetchWithEnv(request(method, path, { "X-API-Key": key }), { LOG_API_KEY: value });
        expect(res.status, `${method} ${path}`).toBe(500);
        expect(await json(res)).toMatchObject({ error: { code: "not_configured" } });
      }
    }
    expect(await logKeys()).toEqual([]);
  });

  it("error bodies never echo the configured key", async () => {
    const res = await exports.default.fetch(request("GET", "/debug/kv-logs", { "X-API-Key": "wrong" }));
    expect(await res.text()).not.toContain(API_KEY);
  });

  it("compares SHA-256 digests with timingSafeEqual: equal, different, different length", async () => {
    expect(await timingSafeEqualStrings("abc", "abc")).toBe(true);
    expect(await timingSafeEqualStrings("abc", "abd")).toBe(false);
    expect(await timingSafeEqualStrings("abc", "abcd")).toBe(false);
    expect(await timingSafeEqualStrings("", "")).toBe(true);
  });
});

describe("GET /health", () => {
  it("answers 200 { ok: true } without a key", async () => {
    const res = await exports.default.fetch("https://log-worker.test/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true });
  });

  it("answers 503 naming each missing binding or secret, never a value", async () => {
    const res = await fetchWithEnv(new Request("https://log-worker.test/health"), {
      LOG_API_KEY: undefined,
      log_archive: undefined,
      log_state: undefined,
    });
    expect(res.status).toBe(503);
    const body = await json<{ ok: boolean; missing: string[] }>(res);
    expect(body.ok).toBe(false);
    expect(body.missing.join(" ")).toMatch(/log_state/);
    expect(body.missing.join(" ")).toMatch(/log_archive/);
    expect(body.missing.join(" ")).toMatch(/LOG_API_KEY/);
  });

  it("names only what is missing", async () => {
    const res = await fetchWithEnv(new Request("https://log-worker.test/health"), { LOG_API_KEY: undefined });
    expect(res.status).toBe(503);
    expect((await json<{ missing: string[] }>(res)).missing).toEqual(["LOG_API_KEY (secret)"]);
  });
});

describe("routing", () => {
  it("unknown paths answer a JSON 404", async () => {
    const res = await exports.default.fetch("https://log-worker.test/nope", {
      headers: { "X-API-Key": API_KEY },
    });
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ error: { code: "not_found" } });
  });
});
