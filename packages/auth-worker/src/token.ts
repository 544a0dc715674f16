/**
 * Login tokens: standard JWTs (HS256) through `hono/jwt`, signed with
 * AUTH_TOKEN_SECRET, carrying `sub`, `email`, `iat` and `exp`
 * ({@link TOKEN_TTL_SECONDS} after issue). Any JWT library or jwt.io can read them.
 */
import { sign, verify } from "hono/jwt";
import { JwtTokenExpired } from "hono/utils/jwt/types";
import { type TokenClaims, tokenClaimsSchema } from "./schemas";

export const TOKEN_TTL_SECONDS = 60 * 60;

/** A signed token for a user, issued at `nowMs`, valid for `ttlSeconds`. */
export async function signToken(
  secret: string,
  user: { id: string; email: string },
  nowMs: number = Date.now(),
  ttlSeconds: number = TOKEN_TTL_SECONDS,
): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { sub: user.id, email: user.email, iat, exp: iat + ttlSeconds };
  return { token: await sign(claims, secret, "HS256"), expiresAt: new Date(claims.exp * 1000).toISOString() };
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "invalid" | "expired" };

/**
 * Checks the signature (HS256 only: `alg: none` or another algorithm is refused),
 * `exp` and `iat` against the current time, then the claims' shape.
 */
export async function verifyToken(secret: string, token: string): Promise<TokenCheck> {
  try {
    const claims = tokenClaimsSchema.safeParse(await verify(token, secret, "HS256"));
    return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: "invalid" };
  } catch (err) {
    return { ok: false, reason: err instanceof JwtTokenExpired ? "expired" : "invalid" };
  }
}
