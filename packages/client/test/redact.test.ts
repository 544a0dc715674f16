import { describe, expect, it } from "vitest";
import { MAX_DEPTH, REDACTED, redact } from "../src/redact";

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

  it("leaves other keys alone, including ones that only start with a sensitive word", () => {
    const input = {
      user: "ada",
      tokenCount: 3,
      secretName: "db",
      tokenizer: "bpe",
      authorizationUrl: "/auth",
    };
    expect(redact(input)).toEqual(input);
  });

  it("redacts in nested objects and inside arrays, whole values included", () => {
    expect(
      redact({
        request: { headers: { authorization: "Bearer x", accept: "*/*" } },
        users: [{ name: "a", password: "p1" }, [{ token: "t" }]],
        credentials: { apiKey: { id: 1, value: "k" } },
      }),
    ).toEqual({
      request: { headers: { authorization: REDACTED, accept: "*/*" } },
      users: [{ name: "a", password: REDACTED }, [{ token: REDACTED }]],
      credentials: { apiKey: REDACTED },
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
