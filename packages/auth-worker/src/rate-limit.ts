/**
 * Login attempts are rate-limited per email (against guessing one account's
 * password) and per client IP (against trying many accounts), by the Workers
 * Rate Limiting binding configured in wrangler.auth.toml.
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

/** The limiters' period in wrangler.auth.toml: the longest a refused client has to wait. */
export const LOGIN_LIMIT_PERIOD_SECONDS = 60;

/**
 * Counts one login attempt for `email` and for the client's IP; throws 429
 * `rate_limited` with `Retry-After` when either is over its limit. The IP comes
 * from `CF-Connecting-IP`, which Cloudflare sets on every request (clients
 * cannot forge it); without it (a local test calling the app directly) only the
 * email is counted.
 */
export async function limitLoginAttempts(c: Context<AppEnv>, email: string): Promise<void> {
  const ip = c.req.header("CF-Connecting-IP");
  const [byEmail, byIp] = await Promise.all([
    c.env.LOGIN_EMAIL_LIMITER.limit({ key: email }),
    ip ? c.env.LOGIN_IP_LIMITER.limit({ key: ip }) : { success: true },
  ]);
  if (byEmail.success && byIp.success) return;
  c.var.log.warn("auth.login.rate_limited", { email, by: byEmail.success ? "ip" : "email" });
  throw new ApiError(
    429,
    "rate_limited",
    `Too many login attempts; try again in ${LOGIN_LIMIT_PERIOD_SECONDS} seconds.`,
    { headers: { "Retry-After": String(LOGIN_LIMIT_PERIOD_SECONDS) } },
  );
}
