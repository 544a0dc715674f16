// sendLog over a real service binding (to test/log-sink.js) rather than an
// in-isolate double: the request crosses workerd's binding, and a worker that
// never answers is abandoned by the per-attempt timeout.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, it, type MockInstance, vi } from "vitest";
import { sendLog } from "../src/send";
import type { LogBinding } from "../src/transport";

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
});

/** The real binding, with its answers recorded. */
function recorded(binding: Fetcher) {
  const answers: { status: number; body: unknown }[] = [];
  const wrapped: LogBinding = {
    async fetch(input, init) {
      const res = await binding.fetch(input, init);
      const body = await res.clone().json();
      answers.push({ status: res.status, body });
      return res;
    },
  };
  return { wrapped, answers };
}

it("delivers through a service binding as application/json", async () => {
  const { wrapped, answers } = recorded(env.LOG_SINK);
  await sendLog(wrapped, null, [{ message: "a" }, { message: "b" }]);
  expect(answers).toEqual([{ status: 201, body: { accepted: 2, contentType: "application/json" } }]);
  expect(consoleError).not.toHaveBeenCalled();
});

it("retries a worker answering 503, then reports the entries", async () => {
  const { wrapped, answers } = recorded(env.LOG_SINK);
  await sendLog(
    wrapped,
    null,
    { message: "x" },
    { url: "https://log-worker/status/503", attempts: 2, backoffMs: 1 },
  );
  expect(answers.map((a) => a.status)).toEqual([503, 503]);
  expect(consoleError).toHaveBeenCalledTimes(1);
});

it("abandons a worker that never answers and resolves", async () => {
  await expect(
    sendLog(
      env.LOG_SINK,
      null,
      { message: "into the void" },
      {
        url: "https://log-worker/hang",
        attempts: 2,
        timeoutMs: 100,
        backoffMs: 1,
      },
    ),
  ).resolves.toBeUndefined();
  const line = JSON.parse(String(consoleError.mock.calls[0]?.[0]));
  expect(line.failures).toEqual([expect.objectContaining({ reason: "timeout", attempts: 2 })]);
  expect(line.entries).toEqual([{ message: "into the void" }]);
});
