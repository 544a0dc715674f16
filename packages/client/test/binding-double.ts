/**
 * A stand-in for the `log_worker` service binding that records every call and
 * answers as each test scripts it: a status, a rejection, a synchronous throw,
 * or a call that never settles.
 */
import type { LogBinding } from "../src/transport";

export interface RecordedCall {
  url: string;
  method: string | undefined;
  contentType: string | null;
  /** The raw body text, for "the secret appears nowhere" checks. */
  text: string;
  /** The body parsed: always an array of entries. */
  entries: Record<string, unknown>[];
}

export type Behaviour =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | "reject"
  | "throw"
  | "hang";

export interface BindingDouble {
  binding: LogBinding;
  calls: RecordedCall[];
  /** Every entry received, across calls. */
  entries(): Record<string, unknown>[];
}

/**
 * @param script behaviour per call, in order; the last one repeats. Default: 201.
 */
export function bindingDouble(...script: Behaviour[]): BindingDouble {
  const calls: RecordedCall[] = [];
  const binding: LogBinding = {
    fetch(input: string, init?: RequestInit) {
      const text = typeof init?.body === "string" ? init.body : "";
      calls.push({
        url: input,
        method: init?.method,
        contentType: new Headers(init?.headers).get("Content-Type"),
        text,
        entries: JSON.parse(text) as Record<string, unknown>[],
      });
      const behaviour = script[Math.min(calls.length - 1, script.length - 1)] ?? { status: 201 };
      if (behaviour === "throw") throw new TypeError("binding exploded synchronously");
      if (behaviour === "reject") return Promise.reject(new TypeError("Network connection lost."));
      if (behaviour === "hang") return new Promise<Response>(() => {});
      return Promise.resolve(
        Response.json(behaviour.body ?? { accepted: 1, key: "log:test" }, {
          status: behaviour.status,
          headers: behaviour.headers,
        }),
      );
    },
  };
  return { binding, calls, entries: () => calls.flatMap((c) => c.entries) };
}

/** Retry settings that keep failing tests fast: 3 attempts, 50 ms per attempt, ~1 ms backoff. */
export const FAST = { attempts: 3, timeoutMs: 50, backoffMs: 1 } as const;
