import { describe, expect, it } from "vitest";
import { signToken, TOKEN_TTL_SECONDS, verifyToken } from "../src/token";

const SECRET = "unit-test-secret";
const USER = { id: "u-1", email: "ada@example.com" };

describe("tokens", () => {
  it("round-trips the claims and expires after the TTL", async () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    const { token, expiresAt } = await signToken(SECRET, USER, now);
    expect(expiresAt).toBe(new Date(now + TOKEN_TTL_SECONDS * 1000).toISOString());
    expect(await verifyToken(SECRET, token, now + 1000)).toEqual({
      ok: true,
      claims: { sub: "u-1", email: "ada@example.com", iat: now / 1000, exp: now / 1000 + TOKEN_TTL_SECONDS },
    });
    expect(await verifyToken(SECRET, token, now + TOKEN_TTL_SECONDS * 1000)).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("refuses another secret, a changed payload and a changed signature", async () => {
    const { token } = await signToken(SECRET, USER);
    const [v, payload, sig] = token.split(".") as [string, string, string];
    expect(await verifyToken("other-secret", token)).toEqual({ ok: false, reason: "bad_signature" });
    const otherPayload = (await signToken(SECRET, { id: "u-2", email: "eve@example.com" })).token.split(
      ".",
    )[1];
    expect(await verifyToken(SECRET, `${v}.${otherPayload}.${sig}`)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    const flipped = sig.startsWith("A") ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect(await verifyToken(SECRET, `${v}.${payload}.${flipped}`)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses malformed tokens without throwing", async () => {
    for (const bad of ["", "a.b", "v2.a.b", "v1.a.b.c", "v1.@@.##", "v1..", "v1.e30.AAAA"]) {
      const check = await verifyToken(SECRET, bad);
      expect(check.ok, bad).toBe(false);
    }
  });
});
