/** Required configuration, checked per request: the worker fails closed, never open. */
import { healthResponse } from "@log-service/http";
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

/** AUTH_TOKEN_SECRET, or a 500 `not_configured` naming how to set it. */
export function tokenSecret(env: Partial<AuthEnv>): string {
  const secret = env.AUTH_TOKEN_SECRET;
  if (typeof secret !== "string" || secret.length === 0) {
    throw new ApiError(
      500,
      "not_configured",
      "AUTH_TOKEN_SECRET is not set: add it to .dev.vars locally, or run `wrangler secret put AUTH_TOKEN_SECRET -c wrangler.auth.toml`.",
    );
  }
  return secret;
}

/** Names of missing bindings and secrets, never their values. */
export function missingConfiguration(env: Partial<AuthEnv>): string[] {
  const missing: string[] = [];
  if (!env.auth_users) missing.push("auth_users (KV namespace binding)");
  if (!env.log_worker) missing.push("log_worker (service binding to log-worker's LogIngest)");
  if (!env.LOGIN_EMAIL_LIMITER || !env.LOGIN_IP_LIMITER) {
    missing.push("LOGIN_EMAIL_LIMITER, LOGIN_IP_LIMITER (rate limiting bindings)");
  }
  if (typeof env.AUTH_TOKEN_SECRET !== "string" || env.AUTH_TOKEN_SECRET.length === 0) {
    missing.push("AUTH_TOKEN_SECRET (secret)");
  }
  return missing;
}

/** `GET /health`: 200 when wired up, else 503 naming what is missing. */
export function handleHealth(c: Context<AppEnv>): Response {
  return healthResponse(c, missingConfiguration(c.env));
}
