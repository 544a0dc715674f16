/**
 * The account routes: register, log in, who am I. Every outcome that matters
 * is logged as an event (`auth.register`, `auth.login.success`,
 * `auth.login.failure` with a reason); passwords and tokens never are.
 */
import type { Context } from "hono";
import { parseJsonBody } from "./body";
import { tokenSecret } from "./config";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";
import { hashPassword, verifyDecoy, verifyPassword } from "./password";
import { limitLoginAttempts } from "./rate-limit";
import { loginSchema, registerSchema } from "./schemas";
import { signToken, verifyToken } from "./token";
import { findUser, newUser, normaliseEmail, putUser, toPublicUser } from "./users";

/** The one answer to every failed login, whatever failed: it must not tell which. */
const invalidCredentials = () =>
  new ApiError(401, "invalid_credentials", "The email or password is incorrect.");

const bearerChallenge = { "WWW-Authenticate": 'Bearer realm="auth-worker"' };

/** `POST /register {email, password}` → 201 `{ user }`; 409 `email_taken`. */
export async function register(c: Context<AppEnv>): Promise<Response> {
  tokenSecret(c.env);
  const body = await parseJsonBody(c, registerSchema);
  const email = normaliseEmail(body.email);
  if (await findUser(c.env.auth_users, email)) {
    c.var.log.info("auth.register.rejected", { email, reason: "email_taken" });
    throw new ApiError(409, "email_taken", "An account with this email exists; log in instead.");
  }
  const user = newUser(email, await hashPassword(body.password));
  await putUser(c.env.auth_users, user);
  c.var.log.info("auth.register", { email, userId: user.id });
  return c.json({ user: toPublicUser(user) }, 201);
}

/**
 * `POST /login {email, password}` → 200 `{ token, expiresAt }`; one identical
 * 401 for every failure; 429 past the attempts allowed per email or client IP.
 */
export async function login(c: Context<AppEnv>): Promise<Response> {
  const secret = tokenSecret(c.env);
  const body = await parseJsonBody(c, loginSchema);
  const email = normaliseEmail(body.email);
  // Counted before the password check, so refused attempts cost no PBKDF2 work.
  await limitLoginAttempts(c, email);
  const user = await findUser(c.env.auth_users, email);
  if (!user) {
    // The same PBKDF2 work as a real check, so timing does not reveal which emails exist.
    await verifyDecoy(body.password);
    c.var.log.warn("auth.login.failure", { email, reason: "unknown_email" });
    throw invalidCredentials();
  }
  if (!(await verifyPassword(body.password, user.password))) {
    c.var.log.warn("auth.login.failure", { email, userId: user.id, reason: "wrong_password" });
    throw invalidCredentials();
  }
  const { token, expiresAt } = await signToken(secret, user);
  c.var.log.info("auth.login.success", { email, userId: user.id });
  return c.json({ token, expiresAt });
}

/** `GET /me` with `Authorization: Bearer <token>` → `{ user }` (never the hash). */
export async function me(c: Context<AppEnv>): Promise<Response> {
  const secret = tokenSecret(c.env);
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer +(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw new ApiError(
      401,
      "missing_token",
      "Send the token from POST /login as `Authorization: Bearer <token>`.",
      {
        headers: bearerChallenge,
      },
    );
  }
  const check = await verifyToken(secret, match[1]);
  if (!check.ok) {
    const expired = check.reason === "expired";
    throw new ApiError(
      401,
      expired ? "token_expired" : "invalid_token",
      expired ? "The token has expired; log in again." : "The token is not valid; log in again.",
      { headers: bearerChallenge },
    );
  }
  const user = await findUser(c.env.auth_users, check.claims.email);
  // A token for an account that was deleted or re-created is no longer valid.
  if (!user || user.id !== check.claims.sub) {
    throw new ApiError(401, "invalid_token", "The token is not valid; log in again.", {
      headers: bearerChallenge,
    });
  }
  return c.json({ user: toPublicUser(user) });
}
