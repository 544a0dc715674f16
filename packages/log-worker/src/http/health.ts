/**
 * `GET /health`: is this worker wired up? Names what is missing or malformed,
 * and how many keys each scope holds; never a value.
 */
import { healthResponse } from "@log-service/http";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { OpenApiOperation } from "../openapi/operation";
import { parseKeySettings, SCOPE_SETTING, SCOPES, type Scope } from "./keys";

export function missingConfiguration(env: Partial<Env>): string[] {
  const missing: string[] = [];
  if (!env.log_state) missing.push("log_state (KV namespace binding)");
  if (!env.log_archive) missing.push("log_archive (R2 bucket binding)");
  if (typeof env.LOG_API_KEY !== "string" || env.LOG_API_KEY.length === 0) {
    missing.push("LOG_API_KEY (secret)");
  }
  const { problems } = parseKeySettings(env);
  for (const [setting, problem] of Object.entries(problems))
    missing.push(`${setting} (malformed: ${problem})`);
  return missing;
}

/** Per scope: the setting that holds its keys and how many it holds (0: no key has this scope). */
export function scopeReport(env: Partial<Env>): Record<Scope, { setting: string; keys: number }> {
  const { counts } = parseKeySettings(env);
  return Object.fromEntries(
    SCOPES.map((scope) => [scope, { setting: SCOPE_SETTING[scope], keys: counts[scope] }]),
  ) as Record<Scope, { setting: string; keys: number }>;
}

export function handleHealth(c: Context<AppEnv>): Response {
  return healthResponse(c, missingConfiguration(c.env), 'See docs/keys.md and README.md, "Configuration".', {
    scopes: scopeReport(c.env),
  });
}

export const openapi: OpenApiOperation[] = [
  {
    method: "get",
    path: "/health",
    summary: "Is this worker wired up?",
    auth: "none",
    responses: {
      200: {
        description:
          "`{ ok: true, scopes }`: per scope (ingest, read, admin), its setting and how many keys it holds",
      },
      503: {
        description:
          "`{ ok: false, error, missing, scopes }`: each missing binding or secret, or malformed key setting, by name",
      },
    },
  },
];
