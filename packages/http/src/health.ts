import type { Context } from "hono";

/**
 * `GET /health`: 200 `{ ok: true }`, or 503 naming each missing binding or
 * secret (never a value).
 */
export function healthResponse(c: Context, missing: readonly string[], hint = ""): Response {
  if (missing.length === 0) return c.json({ ok: true });
  return c.json(
    {
      ok: false,
      error: { code: "not_configured", message: `Missing: ${missing.join(", ")}.${hint ? ` ${hint}` : ""}` },
      missing,
    },
    503,
  );
}
