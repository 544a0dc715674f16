/** Shared test helpers: requests against the real worker, and KV/R2 state read back through `env`. */
import { env, exports } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { LOG_KEY_PREFIX, parseBatch } from "../src/store/batches";

/** The key the vitest config binds as LOG_API_KEY. */
export const API_KEY = "test-api-key";
/** The vitest config's LOG_INGEST_KEYS holds this key, named INGEST_KEY_NAME. */
export const INGEST_KEY = "test-ingest-key-0001";
export const INGEST_KEY_NAME = "test-producer";
/** The vitest config's LOG_READ_KEYS holds this key, named READ_KEY_NAME. */
export const READ_KEY = "test-read-key-00001";
export const READ_KEY_NAME = "test-reader";

export interface PostOptions {
  key?: string | null;
  contentType?: string | null;
  headers?: Record<string, string>;
}

/** POST /log on the public fetch handler, with the API key unless told otherwise. */
export function postLog(body: unknown, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.contentType !== null) headers["Content-Type"] = options.contentType ?? "application/json";
  if (options.key !== null) headers["X-API-Key"] = options.key ?? API_KEY;
  return exports.default.fetch("https://log-worker.test/log", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** GET on the public fetch handler with the API key. */
export function adminGet(path: string, key: string | null = API_KEY): Promise<Response> {
  return exports.default.fetch(`https://log-worker.test${path}`, {
    headers: key === null ? {} : { "X-API-Key": key },
  });
}

/** Every `log:` key in KV, in list order. */
export async function logKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.log_state.list({ prefix: LOG_KEY_PREFIX, cursor });
    keys.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}

/** Every stored entry, read back from KV. */
export async function storedEntries(): Promise<StoredLogEntry[]> {
  const out: StoredLogEntry[] = [];
  for (const key of await logKeys()) {
    const text = await env.log_state.get(key, "text");
    if (text !== null) out.push(...parseBatch(key, text));
  }
  return out;
}

/** Empties KV and R2 (storage is shared by the tests of one file). */
export async function resetStorage(): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await env.log_state.list({ cursor });
    await Promise.all(page.keys.map((k) => env.log_state.delete(k.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  let r2cursor: string | undefined;
  do {
    const page = await env.log_archive.list({ cursor: r2cursor });
    if (page.objects.length > 0) await env.log_archive.delete(page.objects.map((o) => o.key));
    r2cursor = page.truncated ? page.cursor : undefined;
  } while (r2cursor);
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** POST on the public fetch handler with the API key (e.g. `/flush`). */
export function adminPost(path: string, key: string = API_KEY): Promise<Response> {
  return exports.default.fetch(`https://log-worker.test${path}`, {
    method: "POST",
    headers: { "X-API-Key": key },
  });
}
