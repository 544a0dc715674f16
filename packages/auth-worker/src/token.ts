/**
 * Login tokens: `v1.<claims>.<signature>`, both parts base64url, the signature
 * HMAC-SHA256 over `v1.<claims>` with AUTH_TOKEN_SECRET. Verified in constant
 * time; expire after {@link TOKEN_TTL_SECONDS}.
 */
import { fromBase64Url, toBase64Url } from "./encoding";
import { type TokenClaims, tokenClaimsSchema } from "./schemas";

export const TOKEN_TTL_SECONDS = 60 * 60;
const VERSION = "v1";
const encoder = new TextEncoder();

// Importing the key once per isolate and secret; a new secret (rotation) imports anew.
let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

function hmacKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    const key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}

async function sign(secret: string, data: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(data)));
}

/** A signed token for a user, valid for `ttlSeconds` from `nowMs`. */
export async function signToken(
  secret: string,
  user: { id: string; email: string },
  nowMs: number = Date.now(),
  ttlSeconds: number = TOKEN_TTL_SECONDS,
): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { sub: user.id, email: user.email, iat, exp: iat + ttlSeconds };
  const signed = `${VERSION}.${toBase64Url(encoder.encode(JSON.stringify(claims)))}`;
  const token = `${signed}.${toBase64Url(await sign(secret, signed))}`;
  return { token, expiresAt: new Date(claims.exp * 1000).toISOString() };
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

/** Checks a token's signature (constant time), then its claims and expiry. */
export async function verifyToken(
  secret: string,
  token: string,
  nowMs: number = Date.now(),
): Promise<TokenCheck> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: "malformed" };
  const [, payload = "", signature = ""] = parts;
  const given = fromBase64Url(signature);
  if (!given) return { ok: false, reason: "malformed" };
  const expected = await sign(secret, `${VERSION}.${payload}`);
  // A signature's length is public (32 bytes); only its content must not leak through timing.
  if (given.byteLength !== expected.byteLength || !crypto.subtle.timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad_signature" };
  }
  let claims: TokenClaims;
  try {
    const bytes = fromBase64Url(payload);
    claims = tokenClaimsSchema.parse(JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (claims.exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}
