import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { signToken, TOKEN_TTL_SECONDS, verifyToken } from "../src/token";

const SECRET = "unit-test-secret";
const USER = { id: "u-1", email: "ada@example.com" };

/** A JWT's parts, decoded. */
function decode(token: string) {
  const [header, payload] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))));
  return { header, payload };
}

describe("tokens are standard JWTs", () => {
  it("HS256 with sub, email, iat and exp one TTL after issue; verified back to the same claims", async () => {
    const now = Date.now();
    const { token, expiresAt } = await signToken(SECRET, USER, now);
    const iat = Math.floor(now / 1000);
    expect(decode(token)).toEqual({
      header: { alg: "HS256", typ: "JWT" },
      payload: { sub: "u-1", email: "ada@example.com", iat, exp: iat + TOKEN_TTL_SECONDS },
    });
    expect(expiresAt).toBe(new Date((iat + TOKEN_TTL_SECONDS) * 1000).toISOString());
    expect(await verifyToken(SECRET, token)).toEqual({ ok: true, claims: decode(token).payload });
  });

  it("refuses an expired token as expired", async () => {
    const { token } = await signToken(SECRET, USER, Date.now() - 2 * TOKEN_TTL_SECONDS * 1000);
    expect(await verifyToken(SECRET, token)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses another secret, a changed payload, a changed signature, alg none and another algorithm", async () => {
    const { token } = await signToken(SECRET, USER);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const other = (await signToken(SECRET, { id: "u-2", email: "eve@example.com" })).token.split(".")[1];
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    const none = `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${payload}.`;
    const hs512 = await sign(decode(token).payload, SECRET, "HS512");
    for (const bad of [`${header}.${other}.${signature}`, `${header}.${payload}.${flipped}`, none, hs512]) {
      expect(await verifyToken(SECRET, bad), bad).toEqual({ ok: false, reason: "invalid" });
    }
    expect(await verifyToken("other-secret", token)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses malformed tokens and wrong claims without throwing", async () => {
    const noEmail = await sign(
      { sub: "u-1", iat: 1, exp: Math.floor(Date.now() / 1000) + 60 },
      SECRET,
      "HS256",
    );
    for (const bad of ["", "a.b", "a.b.c.d", "@@.##.$$", noEmail]) {
      expect(await verifyToken(SECRET, bad), bad).toEqual({ ok: false, reason: "invalid" });
    }
  });
});
