/**
 * Alert settings, from `[vars]` (and the secret ALERT_WEBHOOK_SECRET).
 * A bad value never throws: it is reported (GET /debug/stats) and left out.
 */
import { LOG_LEVELS } from "@log-service/client/schema";
import { z } from "zod";

/** Names of the built-in alerts; a rule may not take them. */
export const ARCHIVE_FAILED = "archive_failed";
export const ARCHIVE_BACKLOG = "archive_backlog";

export const alertRuleSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .refine((n) => n !== ARCHIVE_FAILED && n !== ARCHIVE_BACKLOG, "is the name of a built-in alert"),
  /** Minimum level counted. */
  level: z.enum(LOG_LEVELS).default("error"),
  /** Exact service. */
  service: z.string().min(1).optional(),
  /** Case-insensitive substring of `message`. */
  q: z.string().min(1).optional(),
  /** Fires when at least this many entries match... */
  threshold: z.number().int().min(1),
  /** ...with a `timestamp` within this many minutes before the evaluation. */
  windowMinutes: z.number().int().min(1).max(1440),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

const rulesSchema = z
  .array(alertRuleSchema)
  .max(20)
  .refine((rules) => new Set(rules.map((r) => r.name)).size === rules.length, "rule names must be unique");

const hours = (fallback: number) =>
  z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .catch(fallback);

export interface AlertConfig {
  url: string;
  /** HMAC-SHA256 key for `X-Log-Signature`; null sends unsigned. */
  secret: string | null;
  rules: AlertRule[];
  backlogMaxHours: number;
  repeatHours: number;
}

export interface AlertVars {
  ALERT_WEBHOOK_URL?: unknown;
  ALERT_WEBHOOK_SECRET?: unknown;
  ALERT_RULES?: unknown;
  ALERT_BACKLOG_MAX_HOURS?: unknown;
  ALERT_REPEAT_HOURS?: unknown;
}

/** Where each issue is, never the offending value (a setting may hold a token). */
function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    return `ALERT_RULES${path}: ${issue.code === "custom" ? issue.message : issue.code.replaceAll("_", " ")}`;
  });
}

/** The config when alerts are on (a URL is set and valid), else null; and what was refused. */
export function alertConfig(env: AlertVars): { config: AlertConfig | null; issues: string[] } {
  const issues: string[] = [];
  const url = typeof env.ALERT_WEBHOOK_URL === "string" ? env.ALERT_WEBHOOK_URL.trim() : "";
  if (url === "") return { config: null, issues };
  if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) {
    return { config: null, issues: ["ALERT_WEBHOOK_URL is not an http(s) URL; alerts are off"] };
  }
  let rules: AlertRule[] = [];
  const rawRules = typeof env.ALERT_RULES === "string" ? env.ALERT_RULES.trim() : "";
  if (rawRules !== "") {
    let json: unknown;
    try {
      json = JSON.parse(rawRules);
    } catch {
      json = undefined;
      issues.push("ALERT_RULES is not valid JSON; no rule is evaluated");
    }
    if (json !== undefined) {
      const parsed = rulesSchema.safeParse(json);
      if (parsed.success) rules = parsed.data;
      else issues.push(...describeIssues(parsed.error), "no rule is evaluated until ALERT_RULES is fixed");
    }
  }
  const secret =
    typeof env.ALERT_WEBHOOK_SECRET === "string" && env.ALERT_WEBHOOK_SECRET !== ""
      ? env.ALERT_WEBHOOK_SECRET
      : null;
  return {
    config: {
      url,
      secret,
      rules,
      backlogMaxHours: hours(26).parse(env.ALERT_BACKLOG_MAX_HOURS),
      repeatHours: hours(4).parse(env.ALERT_REPEAT_HOURS),
    },
    issues,
  };
}
