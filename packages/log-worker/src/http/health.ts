/** `GET /health`: is this worker wired up? Names what is missing, never a value. */
import { healthResponse } from "@log-service/http";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { OpenApiOperation } from "../openapi/operation";

export function missingConfiguration(env: Partial<Env>): string[] {
  const missing: string[] = [];
  if (!env.log_state) missing.push("log_state (KV namespace binding)");
  if (!env.log_archive) missing.push("log_archive (R2 bucket binding)");
  if (typeof env.LOG_API_KEY !== "string" || env.LOG_API_KEY.length === 0) {
    missing.push("LOG_API_KEY (secret)");
  }
  return missing;
}

export function handleHealth(c: Context<AppEnv>): Response {
  return healthResponse(c, missingConfiguration(c.env), 'See README.md, "Configuration".');
}

export const openapi: OpenApiOperation[] = [
  {
    method: "get",
    path: "/health",
    summary: "Is this worker wired up?",
    auth: "none",
    responses: {
      200: { description: "`{ ok: true }`" },
      503: { description: "`{ ok: false, error, missing }`: each missing binding or secret, by name" },
    },
  },
];
