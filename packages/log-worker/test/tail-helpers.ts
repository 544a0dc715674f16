/**
 * Trace events as workerd delivers them to a `tail()` handler (shapes recorded
 * from two `wrangler dev` processes, wrangler 4.164), and the handler called
 * the way the runtime calls it.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import worker from "../src/index";
import { getBatches } from "../src/store/batches";
import { wrapBinding } from "./archive-helpers";
import { logKeys } from "./helpers";

export const ALL = { TAIL_CAPTURE: "all" } as const;

/** When the test invocations ran: a minute ago (ingest files a batch at a recent embedded time only). */
export const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

export interface LogLine {
  level: string;
  message: unknown;
  timestamp?: number;
  errorInfo?: unknown[];
}

/** A console line: `console[level](...args)`. */
export function line(level: string, ...args: unknown[]): LogLine {
  return { level, message: args, timestamp: T0 + 1 };
}

/** A fetch invocation's trace item; `overrides` replace top-level fields. */
export function fetchEvent(
  options: {
    url?: string;
    method?: string;
    status?: number | null;
    headers?: Record<string, string>;
    logs?: unknown[];
    exceptions?: unknown[];
  } = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const { url = "https://auth.example.com/login", method = "POST", status = 200 } = options;
  return {
    wallTime: 12,
    cpuTime: 3,
    truncated: false,
    executionModel: "stateless",
    outcome: "ok",
    scriptName: "auth-worker",
    diagnosticsChannelEvents: [],
    exceptions: options.exceptions ?? [],
    logs: options.logs ?? [],
    eventTimestamp: T0,
    event: {
      request: {
        url,
        method,
        headers: {
          accept: "*/*",
          authorization: "REDACTED",
          "cf-connecting-ip": "203.0.113.7",
          host: new URL(url).host,
          "user-agent": "curl/8.5.0",
          ...options.headers,
        },
        cf: { colo: "DFW", country: "US", httpProtocol: "HTTP/1.1" },
        getUnredacted() {
          return this;
        },
      },
      ...(status === null ? {} : { response: { status } }),
    },
    ...overrides,
  };
}

/** Bindings and settings over the test env, e.g. `{ TAIL_CAPTURE: "all" }`. */
export type Bindings = Record<string, unknown>;

/** Calls log-worker's default export's `tail` with the test env (or `bindings` over it). */
export async function deliver(events: unknown[], bindings: Bindings = {}): Promise<void> {
  const ctx = createExecutionContext();
  const handler = worker.tail as (e: unknown[], env: Env, ctx: ExecutionContext) => Promise<void>;
  await handler(events, { ...env, ...bindings } as Env, ctx);
  await waitOnExecutionContext(ctx);
}

/** `deliver`, counting its KV operations by method (`put` is a KV write). */
export async function deliverCounted(
  events: unknown[],
  bindings: Bindings = {},
): Promise<{ put: number; calls: Record<string, number> }> {
  const kv = wrapBinding(env.log_state);
  await deliver(events, { ...bindings, log_state: kv.binding });
  return { put: kv.calls.put ?? 0, calls: kv.calls };
}

/** Every stored batch, read back through store/batches.ts, keyed by KV key. */
export async function storedBatches(): Promise<Map<string, StoredLogEntry[]>> {
  const out = new Map<string, StoredLogEntry[]>();
  for (const [key, entries] of await getBatches(env.log_state, await logKeys())) {
    if (entries) out.set(key, entries);
  }
  return out;
}

/** Every stored entry. */
export async function stored(): Promise<StoredLogEntry[]> {
  return [...(await storedBatches()).values()].flat();
}

/** A client lost-entries line (contract 3), as `console.error` writes it. */
export function lostLine(idempotencyKey: string, entries: unknown[]): LogLine {
  return line(
    "error",
    JSON.stringify({
      level: "error",
      message: "log-service: batch not delivered",
      logServiceLost: { v: 1, idempotencyKey, reason: "unavailable", entries },
    }),
  );
}
