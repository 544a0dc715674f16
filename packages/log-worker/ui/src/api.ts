/**
 * log-worker's HTTP API as the viewer uses it: `GET /debug/logs` and
 * `POST /flush`, with the key this tab holds in sessionStorage.
 */
import type { TimeWindow, ViewQuery } from "./query";
import { searchParams } from "./query";

const KEY_STORAGE = "log-viewer.api-key";

export const apiKey = () => sessionStorage.getItem(KEY_STORAGE);
export const setApiKey = (key: string) => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetApiKey = () => sessionStorage.clear();

/** One stored entry as read back: untrusted, so every field is checked before use. */
export type Entry = Record<string, unknown>;

export interface SearchPage {
  logs: Entry[];
  cursor: string | null;
  /** What the request read; the shape is the server's. */
  scanned: Record<string, unknown>;
}

/** kind: "auth" (no key, or a key this route refuses), "unreachable", "server". */
export class ApiProblem extends Error {
  constructor(
    readonly kind: "auth" | "unreachable" | "server",
    message: string,
    readonly status = 0,
    readonly code = "",
  ) {
    super(message);
  }
}

/** fetch with the key; throws ApiProblem for anything but 2xx. */
async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const key = apiKey();
  if (!key) throw new ApiProblem("auth", "Enter the API key to read the logs.");
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { "X-API-Key": key },
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ApiProblem(
      "unreachable",
      `Cannot reach log-worker at ${location.origin}: is it running? (${reason})`,
    );
  }
  if (res.ok) return res;
  const body: unknown = await res.json().catch(() => null);
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${res.status}`;
  const message = typeof error?.message === "string" ? error.message : res.statusText;
  if (res.status === 401) {
    throw new ApiProblem("auth", `log-worker refused the key (${code}): ${message}`, 401, code);
  }
  throw new ApiProblem("server", `log-worker answered ${res.status} ${code}: ${message}`, res.status, code);
}

/** One page of `GET /debug/logs`. */
export async function searchLogs(
  query: ViewQuery,
  window: TimeWindow,
  page: { limit: number; cursor?: string | null; order?: "asc" | "desc" },
  signal?: AbortSignal,
): Promise<SearchPage> {
  const res = await call(`/debug/logs?${searchParams(query, window, page)}`, { signal });
  const body = (await res.json()) as Partial<SearchPage> | null;
  if (!body || !Array.isArray(body.logs)) {
    throw new ApiProblem("server", "log-worker answered /debug/logs without a logs array.", res.status);
  }
  return {
    logs: body.logs.filter((e): e is Entry => typeof e === "object" && e !== null && !Array.isArray(e)),
    cursor: typeof body.cursor === "string" ? body.cursor : null,
    scanned: typeof body.scanned === "object" && body.scanned !== null ? body.scanned : {},
  };
}

export interface FlushResult {
  archived?: number;
  keys?: number;
  objects?: unknown[];
  remaining?: boolean;
}

/** `POST /flush`: the archive job, now. */
export async function flush(): Promise<FlushResult> {
  const res = await call("/flush", { method: "POST" });
  return ((await res.json()) as FlushResult | null) ?? {};
}
