/**
 * Sending one alert to the webhook: JSON, signed, retried with backoff within
 * a deadline. Never throws; the outcome says what happened, without the URL
 * (a Slack webhook URL is itself a credential).
 */

export interface AlertPayload {
  status: "firing" | "resolved";
  name: string;
  summary: string;
  value: number;
  threshold: number;
  startsAt: string;
  endsAt: string | null;
  /** One human line: Slack incoming webhooks (and most chat receivers) show it as the message. */
  text: string;
}

export interface Delivery {
  at: string;
  name: string;
  status: AlertPayload["status"];
  ok: boolean;
  /** HTTP status of the last attempt, when there was an answer. */
  httpStatus?: number;
  attempts: number;
  error?: string;
}

export interface DeliverOptions {
  fetch: typeof fetch;
  secret: string | null;
  /** Stop retrying after this instant (epoch ms). */
  deadlineMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const SIGNATURE_HEADER = "X-Log-Signature";
const MAX_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 250;
const ATTEMPT_TIMEOUT_MS = 10_000;

const encoder = new TextEncoder();

/** `sha256=<hex of HMAC-SHA256(secret, body)>`. */
export async function signature(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A status worth retrying: the receiver or something on the way is unwell, or asks to slow down. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export async function deliver(
  url: string,
  payload: AlertPayload,
  options: DeliverOptions,
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": "log-worker-alerts",
  };
  if (options.secret !== null) headers[SIGNATURE_HEADER] = await signature(options.secret, body);
  const outcome: Delivery = {
    at: new Date(options.now()).toISOString(),
    name: payload.name,
    status: payload.status,
    ok: false,
    attempts: 0,
  };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    outcome.attempts = attempt;
    const timeout = Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, options.deadlineMs - options.now()));
    try {
      const res = await options.fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeout),
      });
      outcome.httpStatus = res.status;
      await res.body?.cancel();
      if (res.ok) {
        outcome.ok = true;
        delete outcome.error;
        return outcome;
      }
      outcome.error = `HTTP ${res.status}`;
      if (!retryable(res.status)) return outcome;
    } catch (err) {
      delete outcome.httpStatus;
      const text = err instanceof Error ? `${err.name}: ${err.message}` : "fetch failed";
      outcome.error = text.replaceAll(url, "<ALERT_WEBHOOK_URL>").slice(0, 200);
    }
    const backoff = FIRST_BACKOFF_MS * 2 ** (attempt - 1);
    if (attempt === MAX_ATTEMPTS || options.now() + backoff >= options.deadlineMs) break;
    await options.sleep(backoff);
  }
  return outcome;
}
