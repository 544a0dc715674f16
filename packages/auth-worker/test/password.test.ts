import { describe, expect, it } from "vitest";
import { fromBase64 } from "../src/encoding";
import { hashPassword, PBKDF2_ITERATIONS, verifyDecoy, verifyPassword } from "../src/password";

describe("password hashing", () => {
  it("uses PBKDF2-SHA256, 100,000 iterations, a 16-byte salt and a 32-byte hash", async () => {
    const stored = await hashPassword("pw-one-two-three");
    expect(stored).toMatchObject({ alg: "PBKDF2-SHA256", iterations: 100_000 });
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(fromBase64(stored.salt).byteLength).toBe(16);
    expect(fromBase64(stored.hash).byteLength).toBe(32);
    expect(JSON.stringify(stored)).not.toContain("pw-one-two-three");
  });

  it("salts every hash: the same password hashes differently twice", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it("verifies the right password and refuses others", async () => {
    const stored = await hashPassword("right");
    expect(await verifyPassword("right", stored)).toBe(true);
    expect(await verifyPassword("wrong", stored)).toBe(false);
    expect(await verifyPassword("Right", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("matches a hash computed independently with WebCrypto", async () => {
    const stored = await hashPassword("cross-check");
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("cross-check"),
      "PBKDF2",
      false,
      ["deriveBits"],
    );
    const bits = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: fromBase64(stored.salt), iterations: 100_000 },
      key,
      256,
    );
    expect(new Uint8Array(bits)).toEqual(fromBase64(stored.hash));
  });

  it("the decoy check used for unknown emails never matches", async () => {
    expect(await verifyDecoy("")).toBe(false);
    expect(await verifyDecoy("anything")).toBe(false);
  });
});
