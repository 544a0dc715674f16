/**
 * Scoped-key protection of every route on the public URL but `/health` and the
 * viewer's static page (ingest over the service binding needs no key).
 * Fails closed: a route that no configured key can open, or whose settings are
 * malformed, answers 500 `not_configured` to everyone.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";
import { findKey, keyStoreFor, SCOPE_SETTING, type Scope } from "./keys";

const CHALLENGE = { "WWW-Authenticate": 'ApiKey header="X-API-Key", Bearer' };

/** The scopes whose keys open a route of `scope`: its own, and admin. */
function scopesOpening(scope: Scope): Scope[] {
  return scope === "admin" ? ["admin"] : [scope, "admin"];
}

/** The key from `X-API-Key` (scripts, the viewer) or `Authorization: Bearer` (MCP clients). */
function presentedKey(headers: { header(name: string): string | undefined }): string | undefined {
  const apiKey = headers.header("X-API-Key");
  if (apiKey) return apiKey;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.header("Authorization") ?? "");
  return match?.[1];
}

/**
 * Requires a key of `scope` (or the admin key, which holds every scope), and
 * sets `keyName` and `keyScope` for the handlers.
 *
 * @example
 * app.use("/log", requireScope("ingest"));
 * app.use("/debug/*", requireScope("read"));
 */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  const scopes = scopesOpening(scope);
  const opening = scopes.map((s) => SCOPE_SETTING[s]).join(" or ");
  return async function requireScope(c, next) {
    const store = await keyStoreFor(c.env);
    for (const s of scopes) {
      const setting = SCOPE_SETTING[s];
      const problem = store.problems[setting];
      if (problem) {
        throw new ApiError(
          500,
          "not_configured",
          `${setting} is malformed (${problem}); it holds comma-separated name:secret pairs, see docs/keys.md.`,
        );
      }
    }
    if (scopes.every((s) => store.counts[s] === 0)) {
      throw new ApiError(
        500,
        "not_configured",
        `No key can open this route: set ${opening} (in .dev.vars locally, or \`wrangler secret put <NAME> -c wrangler.logworker.toml\`); see docs/keys.md.`,
      );
    }
    const presented = presentedKey(c.req);
    if (!presented) {
      throw new ApiError(
        401,
        "missing_api_key",
        "Send a key in the X-API-Key header (or Authorization: Bearer <key>).",
        { headers: CHALLENGE },
      );
    }
    const key = await findKey(store, presented);
    if (!key) {
      throw new ApiError(401, "invalid_api_key", "This key is not one of the configured keys.", {
        headers: CHALLENGE,
      });
    }
    if (key.scope !== scope && key.scope !== "admin") {
      throw new ApiError(
        403,
        "forbidden",
        `This key has the "${key.scope}" scope; ${c.req.method} ${c.req.path} needs the "${scope}" scope (a key from ${opening}).`,
      );
    }
    c.set("keyName", key.name);
    c.set("keyScope", key.scope);
    await next();
  };
}
