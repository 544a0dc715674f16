/**
 * One request body to log-worker, with a bounded retry. Never throws: every
 * way the binding can fail (throwing synchronously, rejecting, hanging, an
 * error status) ends as a {@link DeliveryResult}.
 */

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
 * @example { attempts: 2, timeoutMs: 2_000 } // give up sooner in a latency-sensitive cron
 */
export interface RetryOptions {
  /** Attempts in total, first included. Default 3. */
  attempts?: number;
  /** Time one attempt may take before it is abandoned (and counts as retryable). Default 5,000 ms. */
  timeoutMs?: number;
  /** Base of the exponential backoff between attempts (jittered). Default 250 ms. */
  backoffMs?: number;
  /**
   * Time the whole delivery may take, retries included. Default 20,000 ms: well
   * inside the ~30 s `ctx.waitUntil` allows after the response.
   */
  deadlineMs?: number;
}

/** Defaults: worst case 3 × 5 s attempts plus backoff, inside the 20 s deadline and ~30 s of waitUntil. */
export const RETRY_DEFAULTS: Required<RetryOptions> = {
  attempts: 3,
  timeoutMs: 5_000,
  backoffMs: 250,
  deadlineMs: 20_000,
};

/** Longest wait a `Retry-After` header may impose. */
const MAX_RETRY_AFTER_MS = 5_000;
/** Longest error body read to explain a refusal. */
const MAX_ERROR_TEXT = 512;

export type DeliveryResult =
  | { ok: true; attempts: number }
  | {
      ok: false;
      attempts: number;
      /** `http` (an error status), `timeout`, `network` (the call threw or rejected) or `deadline`. */
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

/** POSTs `body` to `url` through `binding`, retrying 5xx, 429, network errors and timeouts. */
export async function postWithRetry(
  binding: LogBinding,
  url: string,
  body: string,
  options: RetryOptions = {},
): Promise<DeliveryResult> {
  const { attempts, timeoutMs, backoffMs, deadlineMs } = { ...RETRY_DEFAULTS, ...definedOnly(options) };
  const deadline = Date.now() + deadlineMs;
  let last: Attempt | undefined;
  let made = 0;
  for (let attempt = 1; attempt <= Math.max(1, attempts); attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    made = attempt;
    last = await attemptOnce(binding, url, body, Math.min(timeoutMs, remaining));
    if (last.ok) return { ok: true, attempts: attempt };
    if (!last.retryable || attempt >= attempts) break;
    const delay = Math.max(backoff(backoffMs, attempt), Math.min(last.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    if (Date.now() + delay >= deadline) break;
    await sleep(delay);
  }
  if (!last || last.ok) return { ok: false, attempts: made, reason: "deadline" };
  return { ok: false, attempts: made, reason: last.reason, status: last.status, detail: last.detail };
}

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

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function noop(): void {}
