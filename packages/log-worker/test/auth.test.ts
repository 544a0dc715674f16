/** Scoped keys: every route × every kind of key, rotation, fail-closed settings, /health. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/app";
import type { Scope } from "../src/http/keys";
import { archivedEntries } from "./archive-helpers";
import {
  API_KEY,
  INGEST_KEY,
  INGEST_KEY_NAME,
  json,
  logKeys,
  postLog,
  READ_KEY,
  resetStorage,
  storedEntries,
} from "./helpers";

beforeEach(resetStorage);

/**
 * Every protected route: the scope it needs and what it answers once a key of
 * that scope is accepted. A new route is one line here.
 */
const ROUTES: ReadonlyArray<readonly [method: string, path: string, scope: Scope, allowed: number]> = [
  ["POST", "/log", "ingest", 201],
  ["POST", "/flush", "admin", 200],
  ["GET", "/debug/kv-logs", "read", 200],
  ["GET", "/debug/r2-logs", "read", 200],
  ["GET", "/debug/r2-logs/logs/dt=2026-01-01/x.ndjson.gz", "read", 404],
  ["GET", "/debug/stats", "read", 200],
  ["GET", "/debug/logs", "read", 200],
  ["POST", "/mcp", "read", 200],
];

/** Who calls: a key of each scope, a key nobody configured, and no key at all. */
const CALLERS = {
  ingest: INGEST_KEY,
  read: READ_KEY,
  admin: API_KEY,
  unknown: "test-unknown-key-0001",
  none: null,
} as const;
type Caller = keyof typeof CALLERS;

/** What a route needs to answer 2xx once its key is accepted. */
const BODIES: Record<string, string> = {
  "/log": JSON.stringify({ message: "x" }),
  "/mcp": JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
};

function request(
  method: string,
  path: string,
  key: string | null,
  header: "x-api-key" | "bearer" = "x-api-key",
) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (key !== null && header === "x-api-key") headers["X-API-Key"] = key;
  if (key !== null && header === "bearer") headers.Authorization = `Bearer ${key}`;
  const body = method === "POST" ? BODIES[path] : undefined;
  if (path === "/mcp") headers.Accept = "application/json, text/event-stream";
  // localhost: /mcp answers only loopback hosts when served locally (DNS rebinding protection).
  return new Request(`http://localhost${path}`, { method, headers, body });
}

/** Calls the app with `env` changed, as a worker deployed with other settings would run. */
async function fetchWithEnv(req: Request, overrides: Partial<Record<keyof Env, unknown>>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(req, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function expected(caller: Caller, scope: Scope, allowed: number): { status: number; code?: string } {
  if (caller === "none") return { status: 401, code: "missing_api_key" };
  if (caller === "unknown") return { status: 401, code: "invalid_api_key" };
  if (caller === "admin" || caller === scope) return { status: allowed };
  return { status: 403, code: "forbidden" };
}

const MATRIX = ROUTES.flatMap(([method, path, scope, allowed]) =>
  (Object.keys(CALLERS) as Caller[]).map(
    (caller) => [method, path, scope, caller, expected(caller, scope, allowed)] as const,
  ),
);

describe("route × scope", () => {
  it.each(MATRIX)("%s %s (needs %s) with key %s → %o", async (method, path, scope, caller, want) => {
    const res = await exports.default.fetch(request(method, path, CALLERS[caller]));
    expect(res.status).toBe(want.status);
    if (want.code) {
      const body = await json<{ error: { code: string; message: string } }>(res);
      expect(body.error.code).toBe(want.code);
      // A 403 names the scope the route needs.
      if (want.status === 403) expect(body.error.message).toContain(`"${scope}" scope`);
    }
    if (want.status === 401) expect(res.headers.get("WWW-Authenticate")).toContain("X-API-Key");
  });

  it("Authorization: Bearer works like X-API-Key", async () => {
    expect((await exports.default.fetch(request("GET", "/debug/stats", READ_KEY, "bearer"))).status).toBe(
      200,
    );
    expect((await exports.default.fetch(request("POST", "/log", INGEST_KEY, "bearer"))).status).toBe(201);
    expect((await exports.default.fetch(request("POST", "/flush", READ_KEY, "bearer"))).status).toBe(403);
    expect(
      (await exports.default.fetch(request("GET", "/debug/stats", `${READ_KEY}x`, "bearer"))).status,
    ).toBe(401);
    const basic = new Request("https://log-worker.test/debug/stats", {
      headers: { Authorization: `Basic ${READ_KEY}` },
    });
    expect((await exports.default.fetch(basic)).status).toBe(401);
  });

  it("a key that differs only in case, by its last character, or is a prefix or an extension, is refused", async () => {
    for (const key of [
      READ_KEY.toUpperCase(),
      `${READ_KEY.slice(0, -1)}2`,
      READ_KEY.slice(0, -1),
      `${READ_KEY}x`,
    ]) {
      const res = await exports.default.fetch(request("GET", "/debug/kv-logs", key));
      expect(res.status, JSON.stringify(key)).toBe(401);
    }
  });

  it("a refused POST /log stores nothing (read key, unknown key, no key)", async () => {
    for (const key of [READ_KEY, "wrong", null]) await exports.default.fetch(request("POST", "/log", key));
    expect(await logKeys()).toEqual([]);
  });

  it("error bodies never echo a configured or presented key", async () => {
    for (const [key, path] of [
      ["wrong-key-0000000000", "/debug/kv-logs"],
      [INGEST_KEY, "/debug/kv-logs"],
      [READ_KEY, "/flush"],
    ] as const) {
      const text = await (
        await exports.default.fetch(request(path === "/flush" ? "POST" : "GET", path, key))
      ).text();
      for (const secret of [API_KEY, INGEST_KEY, READ_KEY, key]) expect(text).not.toContain(secret);
    }
  });
});

describe("rotation", () => {
  const OLD = "vector-2026-10:old-ingest-secret-0001";
  const NEW = "vector-2026-11:new-ingest-secret-0002";
  const post = (key: string, LOG_INGEST_KEYS: string) =>
    fetchWithEnv(request("POST", "/log", key), { LOG_INGEST_KEYS });

  it("two ingest keys are valid at once, then only the one left", async () => {
    expect((await post("old-ingest-secret-0001", `${OLD},${NEW}`)).status).toBe(201);
    expect((await post("new-ingest-secret-0002", `${OLD}, ${NEW}`)).status).toBe(201);
    expect((await post("old-ingest-secret-0001", NEW)).status).toBe(401);
    expect((await post("new-ingest-secret-0002", NEW)).status).toBe(201);
  });

  it("two read keys, then one", async () => {
    const get = (key: string, LOG_READ_KEYS: string) =>
      fetchWithEnv(request("GET", "/debug/stats", key), { LOG_READ_KEYS });
    const both = "alice:alice-read-secret-01,bob:bob-read-secret-0002";
    expect((await get("alice-read-secret-01", both)).status).toBe(200);
    expect((await get("bob-read-secret-0002", both)).status).toBe(200);
    expect((await get("alice-read-secret-01", "bob:bob-read-secret-0002")).status).toBe(401);
    expect((await get("bob-read-secret-0002", "bob:bob-read-secret-0002")).status).toBe(200);
  });

  it("a new admin key replaces the old one at once", async () => {
    const flush = (key: string) =>
      fetchWithEnv(request("POST", "/flush", key), { LOG_API_KEY: "rotated-admin-key" });
    expect((await flush(API_KEY)).status).toBe(401);
    expect((await flush("rotated-admin-key")).status).toBe(200);
  });
});

describe("names on entries", () => {
  it("entries sent with a named ingest key carry its name, over any ingestKey the producer sent, into R2", async () => {
    const res = await postLog([{ message: "a" }, { message: "b", ingestKey: "spoofed" }], {
      key: INGEST_KEY,
    });
    expect(res.status).toBe(201);
    const stored = await storedEntries();
    expect(stored.map((e) => [e.message, e.ingestKey])).toEqual([
      ["a", INGEST_KEY_NAME],
      ["b", INGEST_KEY_NAME],
    ]);
    expect((await exports.default.fetch(request("POST", "/flush", API_KEY))).status).toBe(200);
    expect((await archivedEntries()).map((e) => e.ingestKey)).toEqual([INGEST_KEY_NAME, INGEST_KEY_NAME]);
  });

  it("entries sent with the admin key carry no ingestKey (what the producer sent stays)", async () => {
    await postLog([{ message: "plain" }, { message: "own field", ingestKey: "mine" }], { key: API_KEY });
    const stored = await storedEntries();
    expect(stored[0]).not.toHaveProperty("ingestKey");
    expect(stored[1]?.ingestKey).toBe("mine");
  });

  it("during a rotation each key's entries carry that key's name", async () => {
    const settings = {
      LOG_INGEST_KEYS: "vector-2026-11:old-ingest-secret-0001,vector-2026-12:new-ingest-secret-0002",
    };
    for (const [secret, message] of [
      ["old-ingest-secret-0001", "from old"],
      ["new-ingest-secret-0002", "from new"],
    ] as const) {
      const req = new Request("http://localhost/log", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": secret },
        body: JSON.stringify({ message }),
      });
      expect((await fetchWithEnv(req, settings)).status).toBe(201);
    }
    const names = Object.fromEntries((await storedEntries()).map((e) => [e.message, e.ingestKey]));
    expect(names).toEqual({ "from old": "vector-2026-11", "from new": "vector-2026-12" });
  });

  it("the same Idempotency-Key from two ingest keys stores two batches; from one key, one", async () => {
    const settings = { LOG_INGEST_KEYS: "a:aaaaaaaaaaaaaaaa1,b:bbbbbbbbbbbbbbbb2" };
    const send = (secret: string) =>
      fetchWithEnv(
        new Request("http://localhost/log", {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "X-API-Key": secret,
            "Idempotency-Key": "batch-000001",
          },
          body: JSON.stringify({ message: "same body" }),
        }),
        settings,
      );
    const first = await json<{ key: string }>(await send("aaaaaaaaaaaaaaaa1"));
    const retry = await json<{ key: string }>(await send("aaaaaaaaaaaaaaaa1"));
    const other = await json<{ key: string }>(await send("bbbbbbbbbbbbbbbb2"));
    expect(retry.key).toBe(first.key);
    expect(other.key).not.toBe(first.key);
    expect((await storedEntries()).map((e) => e.ingestKey).sort()).toEqual(["a", "b"]);
  });
});

describe("fail closed", () => {
  it.each([
    ["unset", undefined],
    ["empty", ""],
  ])("with every key setting %s, every protected route → 500 not_configured", async (_, value) => {
    const settings = { LOG_API_KEY: value, LOG_INGEST_KEYS: value, LOG_READ_KEYS: value };
    for (const [method, path] of ROUTES) {
      // Even a request carrying a would-be key, or an empty key, is refused.
      for (const key of [API_KEY, INGEST_KEY, READ_KEY, ""]) {
        const res = await fetchWithEnv(request(method, path, key), settings);
        expect(res.status, `${method} ${path}`).toBe(500);
        expect(await json(res)).toMatchObject({ error: { code: "not_configured" } });
      }
    }
    expect(await logKeys()).toEqual([]);
  });

  it("without LOG_API_KEY, scoped keys keep working and /flush fails closed", async () => {
    const settings = { LOG_API_KEY: undefined };
    expect((await fetchWithEnv(request("POST", "/log", INGEST_KEY), settings)).status).toBe(201);
    expect((await fetchWithEnv(request("GET", "/debug/stats", READ_KEY), settings)).status).toBe(200);
    const flush = await fetchWithEnv(request("POST", "/flush", API_KEY), settings);
    expect(flush.status).toBe(500);
    expect(await json(flush)).toMatchObject({ error: { code: "not_configured" } });
  });

  it("scopes set to `none` hold no key: their routes need the admin key", async () => {
    const settings = { LOG_INGEST_KEYS: "none", LOG_READ_KEYS: "none" };
    expect((await fetchWithEnv(request("POST", "/log", INGEST_KEY), settings)).status).toBe(401);
    expect((await fetchWithEnv(request("GET", "/debug/stats", READ_KEY), settings)).status).toBe(401);
    expect((await fetchWithEnv(request("GET", "/debug/stats", API_KEY), settings)).status).toBe(200);
  });

  it("a malformed LOG_READ_KEYS closes the read routes (even to admin), names the setting, not its value; ingest goes on", async () => {
    const settings = { LOG_READ_KEYS: `test-reader:${READ_KEY},no-colon-secret-000001` };
    for (const key of [READ_KEY, API_KEY]) {
      const res = await fetchWithEnv(request("GET", "/debug/kv-logs", key), settings);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: "not_configured" } });
      expect(text).toContain("LOG_READ_KEYS");
      expect(text).toContain("entry 2");
      expect(text).not.toContain("no-colon-secret");
      expect(text).not.toContain(READ_KEY);
    }
    expect((await fetchWithEnv(request("POST", "/log", INGEST_KEY), settings)).status).toBe(201);
  });

  it("a malformed LOG_INGEST_KEYS closes ingest; the read routes stay open", async () => {
    const settings = { LOG_INGEST_KEYS: "producer:short" };
    const res = await fetchWithEnv(request("POST", "/log", API_KEY), settings);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("LOG_INGEST_KEYS");
    expect((await fetchWithEnv(request("GET", "/debug/stats", READ_KEY), settings)).status).toBe(200);
    expect(await logKeys()).toEqual([]);
  });
});

describe("GET /health", () => {
  it("answers 200 without a key, with the number of keys per scope and no key", async () => {
    const res = await exports.default.fetch("https://log-worker.test/health");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      ok: true,
      scopes: {
        ingest: { setting: "LOG_INGEST_KEYS", keys: 1 },
        read: { setting: "LOG_READ_KEYS", keys: 1 },
        admin: { setting: "LOG_API_KEY", keys: 1 },
      },
    });
    for (const secret of [API_KEY, INGEST_KEY, READ_KEY]) expect(text).not.toContain(secret);
  });

  it("counts every key of a scope, and 0 for `none` or unset", async () => {
    const res = await fetchWithEnv(new Request("https://log-worker.test/health"), {
      LOG_INGEST_KEYS: "a:aaaaaaaaaaaaaaaa1,b:bbbbbbbbbbbbbbbb2,c:cccccccccccccccc3",
      LOG_READ_KEYS: "none",
    });
    const body = await json<{ scopes: Record<Scope, { keys: number }> }>(res);
    expect(body.scopes.ingest.keys).toBe(3);
    expect(body.scopes.read.keys).toBe(0);
    expect(body.scopes.admin.keys).toBe(1);
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

  it("answers 503 naming a malformed scope setting and why, never its value", async () => {
    const res = await fetchWithEnv(new Request("https://log-worker.test/health"), {
      LOG_READ_KEYS: "reader:too-short",
    });
    expect(res.status).toBe(503);
    const text = await res.text();
    const body = JSON.parse(text) as { missing: string[]; scopes: Record<Scope, { keys: number }> };
    expect(body.missing).toEqual([expect.stringMatching(/^LOG_READ_KEYS \(malformed: .*shorter than 16/)]);
    expect(body.scopes.read.keys).toBe(0);
    expect(text).not.toContain("too-short");
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
