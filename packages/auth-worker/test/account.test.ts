import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/body";
import { signToken } from "../src/token";
import { call, uniqueEmail } from "./helpers";

const PASSWORD = "correct horse battery staple";

async function registered(email = uniqueEmail(), password = PASSWORD) {
  const res = await call("POST", "/register", { json: { email, password } });
  expect(res.status).toBe(201);
  return { email, password, user: (res.body as { user: { id: string } }).user };
}

async function tokenFor(email: string, password = PASSWORD): Promise<string> {
  const res = await call("POST", "/login", { json: { email, password } });
  expect(res.status).toBe(200);
  return (res.body as { token: string }).token;
}

describe("POST /register", () => {
  it("creates the user: 201 with the public user, KV holding a PBKDF2 hash and never the password", async () => {
    const email = uniqueEmail("Reg");
    const res = await call("POST", "/register", {
      json: { email: `  ${email.toUpperCase()} `, password: PASSWORD },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user: { id: expect.any(String), email: email.toLowerCase(), createdAt: expect.any(String) },
    });
    const raw = await env.auth_users.get(`user:${email.toLowerCase()}`);
    expect(raw).not.toBeNull();
    expect(raw).not.toContain(PASSWORD);
    expect(JSON.parse(raw ?? "{}")).toMatchObject({
      email: email.toLowerCase(),
      password: {
        alg: "PBKDF2-SHA256",
        iterations: 100_000,
        salt: expect.any(String),
        hash: expect.any(String),
      },
    });
  });

  it("answers 409 email_taken for an address already registered, in any case", async () => {
    const { email } = await registered();
    const res = await call("POST", "/register", {
      json: { email: email.toUpperCase(), password: "another password" },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: "email_taken", message: expect.any(String) } });
  });

  it.each([
    [
      "malformed JSON",
      { body: "{not json", headers: { "Content-Type": "application/json" } },
      "invalid_json",
    ],
    ["an array", { json: [] }, "invalid_body"],
    ["no email", { json: { password: PASSWORD } }, "invalid_email"],
    ["a bad email", { json: { email: "not-an-email", password: PASSWORD } }, "invalid_email"],
    ["a short password", { json: { email: "short@example.com", password: "1234567" } }, "invalid_password"],
    ["a non-string password", { json: { email: "num@example.com", password: 12345678 } }, "invalid_password"],
  ] as const)("answers 400 for %s", async (_, options, code) => {
    const res = await call("POST", "/register", options);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await call("POST", "/register", {
      json: { email: "big@example.com", password: "x".repeat(MAX_BODY_BYTES) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: "payload_too_large" } });
  });
});

describe("POST /login", () => {
  it("answers 200 with a token for the right password", async () => {
    const { email } = await registered();
    const res = await call("POST", "/login", { json: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresAt: expect.any(String),
    });
  });

  it("gives the same 401 for a wrong password and for an unknown email", async () => {
    const { email } = await registered();
    const wrong = await call("POST", "/login", { json: { email, password: "wrong password" } });
    const unknown = await call("POST", "/login", {
      json: { email: uniqueEmail("nobody"), password: PASSWORD },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: "invalid_credentials", message: expect.any(String) } });
    expect(unknown.body).toEqual(wrong.body);
  });

  it("answers 400 for a missing password", async () => {
    const res = await call("POST", "/login", { json: { email: "a@example.com" } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "invalid_password" } });
  });
});

describe("GET /me", () => {
  it("returns the user for a valid token, never the hash", async () => {
    const { email, user } = await registered();
    const token = await tokenFor(email);
    const res = await call("GET", "/me", { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: user.id, email, createdAt: expect.any(String) } });
    expect(JSON.stringify(res.body)).not.toMatch(/hash|salt|password/i);
  });

  it("answers 401 missing_token without a bearer token", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Basic abc" },
      { Authorization: "Bearer" },
    ];
    for (const headers of attempts) {
      const res = await call("GET", "/me", { headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: "missing_token" } });
      expect(res.res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
  });

  it("answers 401 invalid_token for a tampered token", async () => {
    const { email } = await registered();
    const token = await tokenFor(email);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const forgedPayload = btoa(JSON.stringify({ ...claims, email: "admin@example.com" }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    for (const bad of [
      `${header}.${forgedPayload}.${signature}`,
      `${header}.${payload}.${flipped}`,
      "garbage",
      `${token}x`,
    ]) {
      const res = await call("GET", "/me", { headers: { Authorization: `Bearer ${bad}` } });
      expect(res.status, bad).toBe(401);
      expect(res.body).toMatchObject({ error: { code: "invalid_token" } });
    }
  });

  it("answers 401 invalid_token for a token signed with another secret", async () => {
    const { email, user } = await registered();
    const { token } = await signToken("some-other-secret", { id: user.id, email });
    const res = await call("GET", "/me", { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: "invalid_token" } });
  });

  it("answers 401 token_expired for an expired token", async () => {
    const { email, user } = await registered();
    const twoHoursAgo = Date.now() - 2 * 60 * 60 * 1000;
    const { token } = await signToken(env.AUTH_TOKEN_SECRET, { id: user.id, email }, twoHoursAgo);
    const res = await call("GET", "/me", { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: "token_expired" } });
  });
});

describe("configuration and routing", () => {
  it("answers 500 not_configured on every account route when AUTH_TOKEN_SECRET is missing", async () => {
    const noSecret = { env: { AUTH_TOKEN_SECRET: "" } };
    const attempts = [
      await call("POST", "/register", { json: { email: uniqueEmail(), password: PASSWORD }, ...noSecret }),
      await call("POST", "/login", { json: { email: uniqueEmail(), password: PASSWORD }, ...noSecret }),
      await call("GET", "/me", { headers: { Authorization: "Bearer a.b.c" }, ...noSecret }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: { code: "not_configured" } });
    }
    const health = await call("GET", "/health", noSecret);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ missing: ["AUTH_TOKEN_SECRET (secret)"] });
  });

  it("answers /health, 404 and 405 as JSON", async () => {
    expect((await call("GET", "/health")).body).toEqual({ ok: true });
    const missing = await call("GET", "/nope");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "not_found" } });
    const wrongMethod = await call("GET", "/login");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.res.headers.get("Allow")).toBe("POST");
  });
});

// Many PBKDF2 checks in a row: generous timeouts for busy machines (nothing asserts on time).
describe("login rate limits (Workers Rate Limiting binding)", { timeout: 120_000 }, () => {
  /** Login attempts until the first 429, at most `max`; the limiter's window may roll over once. */
  async function attemptsUntilLimited(
    max: number,
    attempt: (i: number) => Promise<Awaited<ReturnType<typeof call>>>,
  ) {
    const statuses: number[] = [];
    for (let i = 0; i < max; i++) {
      const res = await attempt(i);
      statuses.push(res.status);
      if (res.status === 429) return { statuses, limited: res };
    }
    return { statuses, limited: undefined };
  }

  it("answers 429 with Retry-After once one email has had its attempts, while other emails still log in", async () => {
    const { email } = await registered();
    const { statuses, limited } = await attemptsUntilLimited(11, () =>
      call("POST", "/login", { json: { email, password: "wrong password" } }),
    );
    expect(limited?.body).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
    expect(limited?.res.headers.get("Retry-After")).toBe("60");
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(5);
    // Even the right password is refused for that email now; another account is untouched.
    expect((await call("POST", "/login", { json: { email, password: PASSWORD } })).status).toBe(429);
    const other = await registered();
    expect((await call("POST", "/login", { json: { email: other.email, password: PASSWORD } })).status).toBe(
      200,
    );
  });

  it("answers 429 once one client IP has tried too many accounts", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const { statuses, limited } = await attemptsUntilLimited(61, () =>
      call("POST", "/login", {
        json: { email: uniqueEmail("spray"), password: PASSWORD },
        headers: { "CF-Connecting-IP": ip },
      }),
    );
    expect(limited?.res.headers.get("Retry-After")).toBe("60");
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(30);
    // The same emails from another IP are not refused for the first IP's attempts.
    const fresh = await call("POST", "/login", {
      json: { email: uniqueEmail("spray"), password: PASSWORD },
      headers: { "CF-Connecting-IP": "203.0.113.7" },
    });
    expect(fresh.status).toBe(401);
  });
});
