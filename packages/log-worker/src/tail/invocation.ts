/**
 * The invocation entry of a trace event: what ran (fetch with method and path,
 * scheduled, queue, rpc…), how it ended (status, outcome), and the request id
 * and host that every entry of the event carries.
 */
import type { LogLevel } from "@log-service/client/schema";
import type { CapturedEntry } from "./captured";
import { asRecord, asString, type Fields } from "./read";
import { bounded, cut, MAX_FIELD_CHARS } from "./text";

/** Longest `service` kept (a script name is at most 63 characters; a host can be longer). */
export const MAX_SERVICE_CHARS = 256;
/** Request ids the client's middleware adopts from `X-Request-Id` (it replaces any other). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** What an invocation was, from its `event` (only the fields read here). */
export interface Invocation {
  trigger: string;
  method?: string;
  /** Path only: the query string may carry secrets (tokens in links). */
  path?: string;
  host?: string;
  status?: number;
  requestId?: string;
  detail?: Fields;
}

function requestIdOf(headers: unknown): string | undefined {
  const h = asRecord(headers);
  if (!h) return undefined;
  // The platform gives lowercase names; tolerate any case.
  let value = h["x-request-id"];
  if (value === undefined) {
    const name = Object.keys(h).find((k) => k.toLowerCase() === "x-request-id");
    value = name === undefined ? undefined : h[name];
  }
  return typeof value === "string" && REQUEST_ID_PATTERN.test(value) ? value : undefined;
}

export function invocationOf(event: Fields | null): Invocation {
  if (!event) return { trigger: "unknown" };
  const request = asRecord(event.request);
  if (request) {
    const out: Invocation = { trigger: "fetch" };
    const method = asString(request.method);
    if (method) out.method = cut(method, 32).text;
    const url = asString(request.url);
    if (url) {
      try {
        const parsed = new URL(url);
        out.path = cut(parsed.pathname, MAX_FIELD_CHARS).text;
        out.host = cut(parsed.host, MAX_SERVICE_CHARS).text;
      } catch {
        // Not a URL: keep what precedes a query string.
        out.path = cut(url.split("?")[0] ?? "", MAX_FIELD_CHARS).text;
      }
    }
    const status = asRecord(event.response)?.status;
    if (typeof status === "number" && Number.isInteger(status)) out.status = status;
    const requestId = requestIdOf(request.headers);
    if (requestId) out.requestId = requestId;
    return out;
  }
  const short = (v: unknown) => (typeof v === "string" ? cut(v, MAX_FIELD_CHARS).text : undefined);
  if (typeof event.cron === "string") return { trigger: "scheduled", detail: { cron: short(event.cron) } };
  if (typeof event.rpcMethod === "string")
    return { trigger: "rpc", detail: { rpcMethod: short(event.rpcMethod) } };
  if (typeof event.queue === "string") return { trigger: "queue", detail: { queue: short(event.queue) } };
  if ("scheduledTime" in event) return { trigger: "alarm" };
  if (typeof event.mailFrom === "string") return { trigger: "email" };
  return { trigger: "unknown" };
}

export function invocationLevel(failed: boolean, status: number | undefined): LogLevel {
  if (failed || (status !== undefined && status >= 500)) return "error";
  return status !== undefined && status >= 400 ? "warn" : "info";
}

export function invocationEntry(
  item: Fields,
  invocation: Invocation,
  outcome: string | undefined,
  failed: boolean,
  common: Pick<CapturedEntry, "source" | "service" | "requestId">,
  at: { timestamp?: number },
): CapturedEntry {
  const { trigger, method, path, status, detail } = invocation;
  let what = "invocation";
  if (trigger === "fetch") what = [method, path].filter(Boolean).join(" ") || "fetch";
  else if (trigger !== "unknown") what = [trigger, ...Object.values(detail ?? {})].join(" ");
  const result = status ?? outcome ?? "unknown";
  const entry: CapturedEntry = {
    level: invocationLevel(failed, status),
    message: `${what} ${result}`,
    ...at,
    ...common,
    kind: "invocation",
    trigger,
    ...(method ? { method } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(outcome ? { outcome: cut(outcome, 64).text } : {}),
    ...detail,
  };
  const entrypoint = asString(item.entrypoint);
  if (entrypoint) entry.entrypoint = cut(entrypoint, MAX_FIELD_CHARS).text;
  // The platform reports 0 when it does not measure (always, under wrangler dev).
  for (const name of ["cpuTime", "wallTime"] as const) {
    const value = item[name];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) entry[name] = value;
  }
  // The platform cut this invocation's logs (too many or too large): say so.
  if (item.truncated === true) entry.logsTruncated = true;
  return bounded(entry);
}
