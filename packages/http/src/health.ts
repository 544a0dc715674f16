import type { Context } from "hono";

/**
 * `GET /health`: 200 `{ ok: true, ...extra }`, or 503 naming each missing binding
 * or secret (never a value). `extra` holds what a worker reports about itself
 * either way (log-worker: key counts per scope).
 */
export function healthResponse(
  c: Context,
  missing: readonly string[],
  hint = "",
  extra: Record<string, unknown> = {},
): Response {
  if (missing.length === 0) return c.json({ ok: true, ...extra });
  return c.json(
    {
      ok: false,
      error: { code: "not_configured", message: `Missing: ${missing.join(", ")}.${hint ? ` ${hint}` : ""}` },
      missing,
      ...extra,
    },
    503,
  );
}
