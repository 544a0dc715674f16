/**
 * API-key protection for every route except ingest over the service binding.
 * Fails closed: without a configured `LOG_API_KEY` nothing protected is served.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

const encoder = new TextEncoder();

/**
 * Compares two strings in constant time. Both sides are hashed first, so the
 * comparison neither stops at the first difference nor leaks the key's length.
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** Requires `X-API-Key` to equal the `LOG_API_KEY` secret. */
export function apiKeyAuth(): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    const expected = c.env.LOG_API_KEY;
    if (typeof expected !== "string" || expected.length === 0) {
      throw new ApiError(
        500,
        "not_configured",
        "LOG_API_KEY is not set: add it to .dev.vars locally, or run `wrangler secret put LOG_API_KEY -c wrangler.logworker.toml`.",
      );
    }
    const given = c.req.header("X-API-Key");
    if (!given) {
      throw new ApiError(401, "missing_api_key", "Send the API key in the X-API-Key header.", {
        headers: { "WWW-Authenticate": 'ApiKey header="X-API-Key"' },
      });
    }
    if (!(await timingSafeEqualStrings(given, expected))) {
      throw new ApiError(401, "invalid_api_key", "The X-API-Key header does not match LOG_API_KEY.", {
        headers: { "WWW-Authenticate": 'ApiKey header="X-API-Key"' },
      });
    }
    await next();
  };
}
