import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  copyForLog,
  DEFAULT_REDACT_KEYS,
  ENTRY_BUDGET_CHARS,
  keyMatcher,
  keyWords,
  MAX_STRING_CHARS,
  REDACTED,
  type RedactConfig,
} from "../src/redact";

/** The copy the client sends for `value`. */
const redact = (value: unknown, config?: RedactConfig) => copyForLog(value, keyMatcher(config)).value;
const MAX_DEPTH = 16;

describe("redact", () => {
  it("replaces values under sensitive keys in any case and spelling", () => {
    const keys = [
      "password",
      "PASSWORD",
      "passwd",
      "secret",
      "token",
      "accessToken",
      "refresh_token",
      "Authorization",
      "cookie",
      "Set-Cookie",
      "apiKey",
      "api_key",
      "X-API-Key",
      "clientSecret",
      "sessionToken",
      "cookies",
    ];
    const input = Object.fromEntries(keys.map((k) => [k, `value-of-${k}`]));
    expect(redact(input)).toEqual(Object.fromEntries(keys.map((k) => [k, REDACTED])));
  });

  it("leaves other keys alone: words that only contain a sensitive word, and unrelated ones", () => {
    const input = {
      user: "ada",
      tokenizer: "bpe",
      author: "ada",
      authorName: "Ada",
      authority: "idp.example",
      key: "log:2026-11-28",
      keys: ["a", "b"],
      possessive: true,
      bypass: false,
      publicKey: "ssh-ed25519 AAAA",
      accessKeyId: "AKIA…",
      idempotencyKey: "k1",
      sessions: 3,
    };
    expect(redact(input)).toEqual(input);
  });

  it("redacts the keys the old suffix rule let through", () => {
    const keys = [
      "secretKey",
      "secret_access_key",
      "aws_secret_access_key",
      "AWS_SECRET_ACCESS_KEY",
      "passwordHash",
      "password_confirmation",
      "password2",
      "privateKeyPem",
      "private-key.pem",
      "tokenValue",
      "credentials",
      "credential",
      "jwt",
      "JWTToken",
      "sessionId",
      "session_id",
      "sessionID",
      "session",
      "secretName",
      "authorizationUrl",
    ];
    const input = Object.fromEntries(keys.map((k) => [k, `value-of-${k}`]));
    expect(redact(input)).toEqual(Object.fromEntries(keys.map((k) => [k, REDACTED])));
  });

  it("redacts every word of the list, whatever the word boundaries and case", () => {
    const keys = [
      "pwd",
      "dbPwd",
      "passphrase",
      "PASSPHRASE",
      "idToken",
      "id_token",
      "idtoken",
      "accesstoken",
      "REFRESH_TOKEN",
      "setcookie",
      "set cookie",
      "apikey",
      "APIKey",
      "XAPIKey",
      "apiKeys",
      "privatekey",
      "PrivateKey",
      "sessionid",
      "bearer",
      "bearerToken",
      "clientSecret",
      "client.secret",
      "secrets",
      "passwords",
      "accessTokens",
      "refresh_tokens",
      "authToken",
      "authHeader",
      "authKey",
      "csrfToken",
      "signingKey",
      "ENCRYPTION_KEY",
      "passcode",
      // Run-together lowercase words end with an entry of five or more letters.
      "dbpassword",
      "userpassword",
      "xapikey",
      "mysecret",
      "csrftoken",
      "sessiontoken",
      "useremailpassword",
    ];
    const input = Object.fromEntries(keys.map((k) => [k, `value-of-${k}`]));
    expect(redact(input)).toEqual(Object.fromEntries(keys.map((k) => [k, REDACTED])));
  });

  it("keeps counts: plural tokens, and a sensitive word followed by a quantity word", () => {
    const input = {
      tokens: 1234,
      maxTokens: 4096,
      max_tokens: 4096,
      inputTokens: 10,
      outputTokens: 20,
      totalTokens: 30,
      promptTokens: 5,
      tokenCount: 3,
      token_count: 3,
      promptTokenCount: 7,
      tokenLimit: 100,
      tokenUsage: { input: 1 },
      sessionCount: 2,
      passwordLength: 12,
      passwordMinLength: 8,
      secretsCount: 4,
      cookieSize: 300,
      sessionDurationMs: 1200,
      tokenTtl: 3600,
    };
    expect(redact(input)).toEqual(input);
  });

  it("redacts auth, signature and pass as the last word of a key only", () => {
    const input = {
      auth: "Basic YWRhOnB3",
      basicAuth: "ada:pw",
      "x-auth": "k",
      proxy_auth: "p",
      signature: "sig",
      "X-Hub-Signature-256": "sha256=abc",
      "X-Amz-Signature": "abc",
      pass: "pw",
      pass2: "pw",
      smtpPass: "pw",
      authMethod: "password",
      authProvider: "google",
      authenticated: true,
      signatureValid: true,
      signatureAlgorithm: "HMAC-SHA256",
      passCount: 2,
      author: "ada",
    };
    expect(redact(input)).toEqual({
      auth: REDACTED,
      basicAuth: REDACTED,
      "x-auth": REDACTED,
      proxy_auth: REDACTED,
      signature: REDACTED,
      "X-Hub-Signature-256": REDACTED, // a trailing number word does not end the key
      "X-Amz-Signature": REDACTED,
      pass: REDACTED,
      pass2: REDACTED,
      smtpPass: REDACTED,
      authMethod: "password",
      authProvider: "google",
      authenticated: true,
      signatureValid: true,
      signatureAlgorithm: "HMAC-SHA256",
      passCount: 2,
      author: "ada",
    });
  });

  it("redacts the new words nested, inside arrays, in Headers and in any case", () => {
    expect(
      redact({
        users: [{ name: "a", passwordHash: "h" }, [{ SESSION_ID: "s" }]],
        deep: { deeper: { aws_secret_access_key: "k", maxTokens: 9 } },
        headers: new Headers({ "Cf-Access-Jwt-Assertion": "eyJ", Accept: "*/*" }),
        map: new Map([["tokenValue", "v"]]),
      }),
    ).toEqual({
      users: [{ name: "a", passwordHash: REDACTED }, [{ SESSION_ID: REDACTED }]],
      deep: { deeper: { aws_secret_access_key: REDACTED, maxTokens: 9 } },
      headers: { "cf-access-jwt-assertion": REDACTED, accept: "*/*" },
      map: { tokenValue: REDACTED },
    });
  });

  it("splits keys into lowercase words", () => {
    expect(keyWords("aws_secret_access_key")).toEqual(["aws", "secret", "access", "key"]);
    expect(keyWords("privateKeyPem")).toEqual(["private", "key", "pem"]);
    expect(keyWords("XMLHttpRequest")).toEqual(["xml", "http", "request"]);
    expect(keyWords("APIKey")).toEqual(["api", "key"]);
    expect(keyWords("password2")).toEqual(["password", "2"]);
    expect(keyWords("X-Api-Key")).toEqual(["x", "api", "key"]);
    expect(keyWords("set cookie.v2")).toEqual(["set", "cookie", "v", "2"]);
    expect(keyWords("sessionID")).toEqual(["session", "id"]);
    expect(keyWords("")).toEqual([]);
  });

  it("keeps DEFAULT_REDACT_KEYS reusable as a base list", () => {
    const input = { password: "p", ssn: "1", basicAuth: "b", maxTokens: 1, authMethod: "m" };
    expect(redact(input, { keys: [...DEFAULT_REDACT_KEYS, "ssn"] })).toEqual({
      password: REDACTED,
      ssn: REDACTED,
      basicAuth: REDACTED,
      maxTokens: 1,
      authMethod: "m",
    });
  });

  it("matches configured keys by words too; `$` limits one to the end of the key", () => {
    const input = {
      cardNumber: "4111",
      CARD_NUMBER: "4111",
      creditcardnumber: "4111",
      pin: "1",
      pinHint: "h",
      userPin: "2",
    };
    expect(redact(input, { keys: ["card_number", "pin$"] })).toEqual({
      cardNumber: REDACTED,
      CARD_NUMBER: REDACTED,
      creditcardnumber: REDACTED,
      pin: REDACTED,
      pinHint: "h",
      userPin: REDACTED,
    });
  });

  it("redacts in nested objects and inside arrays, whole values included", () => {
    expect(
      redact({
        request: { headers: { authorization: "Bearer x", accept: "*/*" } },
        users: [{ name: "a", password: "p1" }, [{ token: "t" }]],
        settings: { apiKey: { id: 1, value: "k" } },
      }),
    ).toEqual({
      request: { headers: { authorization: REDACTED, accept: "*/*" } },
      users: [{ name: "a", password: REDACTED }, [{ token: REDACTED }]],
      settings: { apiKey: REDACTED },
    });
  });

  it("redacts Headers and Map keys", () => {
    const headers = new Headers({ Cookie: "sid=1", "Content-Type": "text/plain" });
    const map = new Map([["secret", "s"]]);
    expect(redact({ headers, map })).toEqual({
      headers: { cookie: REDACTED, "content-type": "text/plain" },
      map: { secret: REDACTED },
    });
  });

  it("survives cycles, keeps repeated (non-cyclic) references and bounds depth", () => {
    const a: Record<string, unknown> = { name: "a", password: "p" };
    a.self = a;
    const shared = { x: 1 };
    const list: unknown[] = [shared, shared];
    list.push(list);
    expect(redact({ a, list })).toEqual({
      a: { name: "a", password: REDACTED, self: "[Circular]" },
      list: [{ x: 1 }, { x: 1 }, "[Circular]"],
    });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = { deep };
    expect(JSON.stringify(redact(deep))).toContain("[Truncated]");
  });

  it("does not modify its input", () => {
    const input = { password: "p", nested: { token: "t" } };
    redact(input);
    expect(input).toEqual({ password: "p", nested: { token: "t" } });
  });

  it("serializes errors it meets and redacts their properties", () => {
    const err = Object.assign(new Error("boom", { cause: new TypeError("inner") }), { token: "t" });
    expect(redact({ err })).toEqual({
      err: {
        name: "Error",
        message: "boom",
        stack: expect.any(String),
        token: REDACTED,
        cause: { name: "TypeError", message: "inner", stack: expect.any(String) },
      },
    });
  });

  it("is configurable: extra keys, a replaced list, or off", () => {
    const input = { password: "p", ssn: "123", pin: "0000" };
    expect(redact(input, { extraKeys: ["ssn"] })).toEqual({ password: REDACTED, ssn: REDACTED, pin: "0000" });
    expect(redact(input, { keys: ["pin"] })).toEqual({ password: "p", ssn: "123", pin: REDACTED });
    expect(redact(input, false)).toEqual(input);
  });

  it("makes values JSON-safe", () => {
    expect(
      redact({ n: 1n, f: () => 1, u: undefined, nan: Number.NaN, d: new Date(0), bytes: new Uint8Array(4) }),
    ).toEqual({
      n: "1",
      nan: "NaN",
      d: "1970-01-01T00:00:00.000Z",
      bytes: "[4 bytes]",
    });
  });
});

describe("redact: what key names alone miss (issue 9)", () => {
  it("redacts passHash, passwd, pwd and their spellings", () => {
    const keys = [
      "passHash",
      "pass_hash",
      "PASSHASH",
      "userPassHash",
      "passwd",
      "dbPasswd",
      "pwd",
      "userPwd",
      "PWD",
    ];
    const input = Object.fromEntries(keys.map((k) => [k, `value-of-${k}`]));
    expect(redact(input)).toEqual(Object.fromEntries(keys.map((k) => [k, REDACTED])));
  });

  it("redacts URL values: userinfo and sensitive query parameters, other parameters kept", () => {
    const url = new URL(
      "https://ada:s3cret-pw@api.example/cb?code=c0de-1&state=xyz&token=t0k&key=k3y&sig=s1g&page=2",
    );
    const out = redact({ url, nested: [url] }) as { url: string; nested: string[] };
    for (const secret of ["s3cret-pw", "ada:", "c0de-1", "t0k", "k3y", "s1g"]) {
      expect(JSON.stringify(out)).not.toContain(secret);
    }
    const parsed = new URL(out.url);
    expect(parsed.searchParams.get("state")).toBe("xyz");
    expect(parsed.searchParams.get("page")).toBe("2");
    expect(parsed.searchParams.get("token")).toBe(REDACTED);
    expect(out.nested[0]).toBe(out.url);
  });

  it("redacts URL strings that carry userinfo or a query, and X-Amz-style signatures", () => {
    const out = redact({
      link: "https://bucket.example/o?X-Amz-Signature=abc123&X-Amz-Credential=AKIA9&x-id=GetObject",
      db: "postgres://app:db-pass-9@db.example:5432/app",
      plain: "https://example.com/path",
      text: "not a url ?token=stays-as-text",
    });
    expect(JSON.stringify(out)).not.toMatch(/abc123|AKIA9|db-pass-9/);
    expect(out).toMatchObject({ plain: "https://example.com/path", text: "not a url ?token=stays-as-text" });
    expect((out as { link: string }).link).toContain("x-id=GetObject");
  });

  it("redacts header pairs: [...headers], Object.entries, a lone pair, and Headers objects", () => {
    const headers = new Headers({ Authorization: "Bearer h-123", Cookie: "sid=c-456", Accept: "*/*" });
    const out = redact({
      spread: [...headers],
      entries: Object.entries({ "x-api-key": "k-789", host: "example" }),
      pair: ["set-cookie", "sid=c-000"],
      headers,
    });
    expect(JSON.stringify(out)).not.toMatch(/h-123|c-456|k-789|c-000/);
    expect(out).toEqual({
      spread: [
        ["accept", "*/*"],
        ["authorization", REDACTED],
        ["cookie", REDACTED],
      ],
      entries: [
        ["x-api-key", REDACTED],
        ["host", "example"],
      ],
      pair: ["set-cookie", REDACTED],
      headers: { accept: "*/*", authorization: REDACTED, cookie: REDACTED },
    });
  });

  it("withholds a JSON.parse SyntaxError's message, which quotes the parsed text, in message and stack", () => {
    let syntax: unknown;
    try {
      JSON.parse('{"email":"a@b.co","password":hunter2SECRET}');
    } catch (err) {
      syntax = err;
    }
    expect(String((syntax as Error).message)).toContain("hunter2"); // what V8 does
    const wrapped = new Error("body is not JSON", { cause: syntax });
    const out = JSON.stringify(redact({ err: wrapped, direct: syntax }));
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("SEC");
    expect(redact({ err: wrapped })).toMatchObject({
      err: {
        message: "body is not JSON",
        cause: { name: "SyntaxError", message: expect.stringContaining("withheld") },
      },
    });
  });

  it("withholds a ZodError's message and issues, which can quote input keys and values", () => {
    const parsed = z.strictObject({ email: z.string() }).safeParse({ email: "a@b.co", "hunter2-as-key": 1 });
    expect(parsed.success).toBe(false);
    const err = parsed.error as Error;
    expect(err.message).toContain("hunter2"); // zod quotes the unrecognized key
    const out = JSON.stringify(redact({ err }));
    expect(out).not.toContain("hunter2");
    expect(redact({ err })).toMatchObject({
      err: { name: "ZodError", message: expect.stringContaining("withheld") },
    });
  });
});

describe("redact: bounded copies", () => {
  it("copies ~32 KB of a 50 MB string, and says how much was cut", { timeout: 60_000 }, () => {
    const huge = "x".repeat(50 * 1024 * 1024);
    const { value, size } = copyForLog({ huge, other: "kept" }, keyMatcher(undefined));
    const out = value as { huge: string; other: string };
    expect(out.huge.length).toBeLessThan(MAX_STRING_CHARS + 100);
    expect(out.huge).toContain(`cut ${huge.length - MAX_STRING_CHARS} chars`);
    expect(out.other).toBe("kept");
    expect(size).toBeLessThanOrEqual(ENTRY_BUDGET_CHARS);
  });

  it("stops copying a 200,000-item array or a 100,000-key object at the entry budget", {
    timeout: 60_000,
  }, () => {
    const items = Array.from({ length: 200_000 }, (_, i) => ({ i, name: `item ${i}` }));
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    for (const value of [{ items }, { wide }]) {
      const { value: copy, size } = copyForLog(value, keyMatcher(undefined));
      const json = JSON.stringify(copy);
      expect(json.length).toBeLessThan(ENTRY_BUDGET_CHARS + MAX_STRING_CHARS);
      expect(size).toBeLessThanOrEqual(ENTRY_BUDGET_CHARS + 64);
    }
    const copied = (copyForLog({ items }, keyMatcher(undefined)).value as { items: unknown[] }).items;
    expect(copied.at(-1)).toMatch(/^\[\d+ more items\]$/);
  });
});
