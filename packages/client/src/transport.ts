/**
 * One request body to log-worker, with a bounded retry. Never throws: every
 * way the binding can fail (throwing synchronously, rejecting, hanging, an
 * error status) ends as a {@link DeliveryResult}.
 */

import { safely } from "./safely";

/**
 * What the client needs of the service binding: its `fetch`. A `Fetcher`
 * (`env.log_worker`) satisfies it, and so does a test double.
 * @example
 * // wrangler config: [[services]] binding = "log_worker", service = "log-worker", entrypoint = "LogIngest"
 * const binding: LogBinding = env.log_worker;
 */
export interface LogBinding {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

/**
 * Retry and timeout settings; every field has a default ({@link RETRY_DEFAULTS}).
 * A value that is not a finite, non-negative number (or, for `attempts`, at
 * least 1) is replaced by its default.
 * @example { attempts: 2, timeoutMs: 2_000 } // give up sooner in a latency-sensitive cron
 */
export interface RetryOptions {
  /** Attempts per request body in total, first included. Default 3. */
  attempts?: number;
  /**
   * Time one attempt may take before it is abandoned (and counts as
   * retryable), cut to what is left of the deadline. Default 5,000 ms.
   */
  timeoutMs?: number;
  /** Base of the exponential backoff between attempts (jittered). Default 250 ms. */
  backoffMs?: number;
  /**
   * Time the whole send may take: every request body of a split send, all
   * their attempts and backoff. One clock per `sendLog` call or logger send,
   * started when it is called; a body gets whatever time is left, and a body
   * not started before the deadline is not tried at all but goes straight to
   * the `console.error` report with `reason: "deadline"`. Default 20,000 ms,
   * so the report is written well inside the ~30 s `ctx.waitUntil` allows
   * after the response; keep it under that when a `ctx` is used.
   */
  deadlineMs?: number;
}

/**
 * Defaults: up to 3 attempts of at most 5 s per request body, and 20 s for the
 * whole send however many bodies it has, inside the ~30 s of `ctx.waitUntil`.
 */
export const RETRY_DEFAULTS: Required<RetryOptions> = {
  attempts: 3,
  timeoutMs: 5_000,
  backoffMs: 250,
  deadlineMs: 20_000,
};

/** `options` with every missing or unusable value replaced by its default. Never throws. */
export function retrySettings(options: RetryOptions | null | undefined): Required<RetryOptions> {
  const pick = (key: keyof RetryOptions, min: number): number => {
    const value = safely(() => options?.[key]);
    return typeof value === "number" && Number.isFinite(value) && value >= min ? value : RETRY_DEFAULTS[key];
  };
  return {
    attempts: Math.floor(pick("attempts", 1)),
    timeoutMs: pick("timeoutMs", 0),
    backoffMs: pick("backoffMs", 0),
    deadlineMs: pick("deadlineMs", 0),
  };
}

/** Longest wait a `Retry-After` header may impose. */
const MAX_RETRY_AFTER_MS = 5_000;
/** Longest error body read to explain a refusal. */
const MAX_ERROR_TEXT = 512;

export type DeliveryResult =
  | { ok: true; attempts: number }
  | {
      ok: false;
      attempts: number;
      /**
       * `http` (an error status), `timeout`, `network` (the call threw or
       * rejected) or `deadline` (the send's deadline passed before this body was tried).
       */
      reason: "http" | "timeout" | "network" | "deadline";
      status?: number;
      /** log-worker's error code, or the thrown error's message. */
      detail?: string;
    };

type Attempt =
  | { ok: true }
  | {
      ok: false;
      retryable: boolean;
      reason: "http" | "timeout" | "network";
      status?: number;
      detail?: string;
      retryAfterMs?: number;
    };

/**
 * POSTs `body` to `url` through `binding`, retrying 5xx, 429, network errors
 * and timeouts, until `deadline` (epoch ms; default: `deadlineMs` from now).
 * A send passes its own deadline, shared by all of its bodies.
 */
export async function postWithRetry(
  binding: LogBinding,
  url: string,
  body: string,
  options: RetryOptions = {},
  deadline?: number,
): Promise<DeliveryResult> {
  const { attempts, timeoutMs, backoffMs, deadlineMs } = retrySettings(options);
  const end = deadline ?? Date.now() + deadlineMs;
  let last: Attempt | undefined;
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const remaining = end - Date.now();
    if (remaining <= 0) break;
    made = attempt;
    last = await attemptOnce(binding, url, body, Math.min(timeoutMs, remaining));
    if (last.ok) return { ok: true, attempts: attempt };
    if (!last.retryable || attempt >= attempts) break;
    const delay = Math.max(backoff(backoffMs, attempt), Math.min(last.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    if (Date.now() + delay >= end) break;
    await sleep(delay);
  }
  if (!last || last.ok) {
    return { ok: false, attempts: made, reason: "deadline", detail: NOT_ATTEMPTED };
  }
  return { ok: false, attempts: made, reason: last.reason, status: last.status, detail: last.detail };
}

/** Why a body was never sent. */
export const NOT_ATTEMPTED = "not attempted: the send's deadline had passed";

/** "Equal jitter": half the exponential step fixed, half random, so retries from many isolates spread out. */
function backoff(baseMs: number, attempt: number): number {
  const step = baseMs * 2 ** (attempt - 1);
  return step / 2 + Math.random() * (step / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function attemptOnce(
  binding: LogBinding,
  url: string,
  body: string,
  timeoutMs: number,
): Promise<Attempt> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The race, not only the abort signal, ends a hanging call: a binding (or a
  // double) may ignore the signal.
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`log-worker did not answer within ${timeoutMs} ms`));
      resolve("timeout");
    }, timeoutMs);
  });
  // Inside .then, a synchronous throw from binding.fetch becomes a rejection.
  const call = Promise.resolve().then(() =>
    binding.fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      signal: controller.signal,
    }),
  );
  try {
    const res = await Promise.race([call, timedOut]);
    if (res === "timeout") {
      // A late answer still holds a body; release it.
      call.then((late) => late.body?.cancel(), noop).catch(noop);
      return { ok: false, retryable: true, reason: "timeout", detail: `no answer within ${timeoutMs} ms` };
    }
    if (res.ok) {
      await Promise.race([res.body?.cancel(), timedOut]);
      return { ok: true };
    }
    const detail = await Promise.race([errorCode(res), timedOut.then(() => undefined)]);
    const retryable = res.status >= 500 || res.status === 429;
    return {
      ok: false,
      retryable,
      reason: "http",
      status: res.status,
      detail,
      retryAfterMs: retryAfter(res),
    };
  } catch (err) {
    return { ok: false, retryable: true, reason: "network", detail: describe(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** log-worker's `error.code`, or the start of whatever else the body holds. */
async function errorCode(res: Response): Promise<string | undefined> {
  try {
    const text = (await res.text()).slice(0, MAX_ERROR_TEXT);
    try {
      const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
      if (typeof code === "string") return code;
    } catch {}
    return text || undefined;
  } catch {
    return undefined;
  }
}

function retryAfter(res: Response): number | undefined {
  const header = res.headers.get("Retry-After");
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function describe(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return "unknown error";
  }
}

function noop(): void {}
