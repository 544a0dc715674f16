/** Calling auth-worker the way the runtime does, and reading what log-worker stored. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { IngestBinding, StoredLogEntry } from "@log-service/client";
import { app } from "../src/app";

export interface Call {
  res: Response;
  status: number;
  body: unknown;
  requestId: string | null;
  /** Time until the response was complete (body read). */
  responseMs: number;
  /** Resolves once the request's background work (the log batch) is done. */
  settled: () => Promise<void>;
}

/**
 * One request through auth-worker's app with a real ExecutionContext. `logWorker`
 * replaces the `log_worker` binding (default: the real log-worker's LogIngest).
 */
export async function call(
  method: string,
  path: string,
  options: {
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
    logWorker?: IngestBinding;
    env?: Partial<AuthEnv>;
  } = {},
): Promise<Call> {
  const headers = new Headers(options.headers);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers.set("Content-Type", "application/json");
  }
  const ctx = createExecutionContext();
  const bindings = {
    ...env,
    ...(options.logWorker ? { log_worker: options.logWorker } : {}),
    ...options.env,
  };
  const started = Date.now();
  const res = await app.fetch(
    new Request(`https://auth.test${path}`, { method, headers, body }),
    bindings,
    ctx,
  );
  const text = await res.text();
  const responseMs = Date.now() - started;
  return {
    res,
    status: res.status,
    body: text ? JSON.parse(text) : null,
    requestId: res.headers.get("X-Request-Id"),
    responseMs,
    settled: () => waitOnExecutionContext(ctx),
  };
}

/** A fresh address per test, so tests sharing the file's KV do not collide. */
export function uniqueEmail(label = "user"): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** Everything waiting in log-worker's KV, read through its own `/debug/kv-logs` with the API key. */
export async function storedLogs(): Promise<{ logs: StoredLogEntry[]; raw: string }> {
  const logs: StoredLogEntry[] = [];
  let raw = "";
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "1000", ...(cursor ? { cursor } : {}) });
    const res = await env.LOG_WORKER_PUBLIC.fetch(`https://log-worker/debug/kv-logs?${query}`, {
      headers: { "X-API-Key": env.TEST_LOG_API_KEY },
    });
    if (res.status !== 200) throw new Error(`/debug/kv-logs answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    raw += text;
    const page = JSON.parse(text) as { logs: StoredLogEntry[]; cursor: string | null };
    logs.push(...page.logs);
    cursor = page.cursor;
  } while (cursor);
  return { logs, raw };
}

/** The stored entries of one request. */
export async function logsOf(requestId: string): Promise<StoredLogEntry[]> {
  return (await storedLogs()).logs.filter((entry) => entry.requestId === requestId);
}
