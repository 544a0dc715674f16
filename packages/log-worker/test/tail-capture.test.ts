/**
 * Tail capture, how it is stored: one KV batch per delivery, idempotent
 * redelivery, recovery of batches the client reported lost, the loop guard,
 * and storage failures (injected by wrapping the real KV binding).
 */
import { env, exports } from "cloudflare:workers";
import type { LogEntryInput } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { ingestEntries } from "../src/ingest/core";
import { parseLogKey } from "../src/store/batches";
import { wrapBinding } from "./archive-helpers";
import { logKeys, resetStorage } from "./helpers";
import {
  ALL,
  deliver,
  deliverCounted,
  fetchEvent,
  line,
  lostLine,
  stored,
  storedBatches,
  T0,
} from "./tail-helpers";

beforeEach(resetStorage);

/** `n` console lines of about `size` characters each. */
function lines(n: number, size = 40): ReturnType<typeof line>[] {
  return Array.from({ length: n }, (_, i) => line("error", `line ${i} ${"x".repeat(size)}`));
}

describe("one KV batch per delivery", () => {
  it("a flood of 900 lines from 30 invocations is one KV write", async () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      fetchEvent({ url: `https://a.example/${i}`, logs: lines(30) }),
    );
    const calls = await deliverCounted(events, ALL);
    expect(calls.put).toBe(1);
    const batches = await storedBatches();
    expect(batches.size).toBe(1);
    expect([...batches.values()][0]).toHaveLength(30 * 31);
    // Filed in KV at the time the invocations ran, not at the day's start.
    expect(parseLogKey([...batches.keys()][0] ?? "")?.receivedAtMs).toBe(T0);
  });

  it("splits only where the limits require: 2,500 entries are 3 batches, 1,000 at most each", async () => {
    const calls = await deliverCounted([fetchEvent({ logs: lines(2_499) })]);
    expect(calls.put).toBe(3);
    const sizes = [...(await storedBatches()).values()].map((b) => b.length).sort((a, b) => a - b);
    expect(sizes).toEqual([500, 1_000, 1_000]);
  });

  it("splits by bytes: 150 lines of ~15 KB (2.2 MB) are 3 batches of at most 1 MiB", async () => {
    await deliver([fetchEvent({ logs: lines(150, 15_000) })]);
    const batches = await storedBatches();
    expect(batches.size).toBe(3);
    for (const entries of batches.values()) {
      expect(new TextEncoder().encode(JSON.stringify(entries)).byteLength).toBeLessThanOrEqual(
        1024 * 1024 + entries.length * 200, // what ingest adds per entry (id, receivedAt)
      );
    }
    expect([...batches.values()].flat()).toHaveLength(151);
  });

  it("a delivery where nothing is kept writes nothing", async () => {
    const calls = await deliverCounted([fetchEvent({ logs: [line("log", "quiet")] })]);
    expect(calls.put).toBe(0);
    expect(await logKeys()).toEqual([]);
  });
});

describe("redelivery", () => {
  it("the same delivery again stores nothing new, also when it was split", async () => {
    const small = [fetchEvent({ logs: lines(3) })];
    const large = [fetchEvent({ url: "https://a.example/large", logs: lines(1_500) })];
    await deliver(small);
    await deliver(large);
    const first = await storedBatches();
    await deliver(small);
    await deliver(large);
    const second = await storedBatches();
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    expect((await stored()).length).toBe(4 + 1_501);
  });

  it("another invocation with the same lines is another batch", async () => {
    await deliver([fetchEvent({ logs: lines(2) })]);
    await deliver([fetchEvent({ logs: lines(2) }, { eventTimestamp: T0 + 1 })]);
    expect((await storedBatches()).size).toBe(2);
  });
});

/** An idempotency key as the client makes one: its first attempt's time, then a UUID. */
const clientKey = () => `${Date.now()}-${crypto.randomUUID()}`;
const [key0001, key0002, key0003, key0004, key0005] = [
  clientKey(),
  clientKey(),
  clientKey(),
  clientKey(),
  clientKey(),
];

describe("lost client entries (contract 3)", () => {
  const entries: LogEntryInput[] = [
    { level: "info", message: "auth.login.success", service: "auth-worker", requestId: "r-1" },
    { level: "info", message: "POST /login 200", service: "auth-worker", requestId: "r-1" },
  ];

  it("stores a lost batch once, under its own key, not as tail entries and not as a console line", async () => {
    await deliver([fetchEvent({ logs: [lostLine(key0001, entries)] })], ALL);
    await deliver([fetchEvent({ logs: [lostLine(key0001, entries)] }, { eventTimestamp: T0 + 9 })], ALL);
    const all = await stored();
    const recovered = all.filter((e) => e.requestId === "r-1");
    expect(recovered.map((e) => e.message)).toEqual(["auth.login.success", "POST /login 200"]);
    expect(recovered.every((e) => e.source === undefined)).toBe(true);
    expect(all.some((e) => e.message.includes("batch not delivered"))).toBe(false);
    // The recovered batch is the key the client would have written.
    const direct = await ingestEntries(env, entries, { idempotencyKey: key0001 });
    expect((await logKeys()).filter((k) => k === direct.key)).toHaveLength(1);
    expect((await stored()).filter((e) => e.requestId === "r-1")).toHaveLength(2);
  });

  it("a batch that did arrive (over the RPC binding, as the client sends it) is not stored twice", async () => {
    const sent = await exports.LogIngest.ingest(entries, { idempotencyKey: key0002 });
    expect(sent).toMatchObject({ ok: true, accepted: 2 });
    await deliver([fetchEvent({ logs: [lostLine(key0002, entries)] })]);
    expect((await stored()).filter((e) => e.requestId === "r-1")).toHaveLength(2);
  });

  it("recovers in errors mode too, next to the invocation's own entries", async () => {
    await deliver([fetchEvent({ logs: [line("warn", "slow"), lostLine(key0003, entries)] })]);
    expect((await stored()).map((e) => e.message).sort()).toEqual(
      ["POST /login 200", "POST /login 200", "auth.login.success", "slow"].sort(),
    );
  });

  it("keeps a lost-entries line whose entries ingest refuses as the console line it was", async () => {
    await deliver([fetchEvent({ logs: [lostLine(key0004, [{ level: "loud", message: "" }])] })]);
    const all = await stored();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      kind: "console",
      level: "error",
      source: "tail",
      recovery: "invalid_entry",
    });
    expect(all[0]?.message).toContain(key0004);
  });
});

describe("no loops", () => {
  it("ignores log-worker's own events, its ingest entrypoint, and tail invocations", async () => {
    const noisy = { logs: lines(2), exceptions: [{ name: "Error", message: "x", timestamp: T0 }] };
    const calls = await deliverCounted(
      [
        fetchEvent(noisy, { scriptName: "log-worker" }),
        // Locally every script name is null: the ingest entrypoint gives log-worker away.
        fetchEvent(
          { ...noisy, url: "https://log-worker/log" },
          { scriptName: null, entrypoint: "LogIngest" },
        ),
        fetchEvent(noisy, { event: { consumedEvents: [{ scriptName: "auth-worker" }] }, scriptName: "x" }),
      ],
      ALL,
    );
    expect(calls.put).toBe(0);
    expect(await logKeys()).toEqual([]);
  });
});

describe("storage failures", () => {
  it("rejects when KV fails, and the redelivery stores everything once", async () => {
    const failing = wrapBinding(env.log_state, {
      put: () => Promise.reject(new Error("KV is down")),
    });
    const events = [fetchEvent({ logs: [...lines(2), lostLine(key0005, [{ message: "lost one" }])] })];
    await expect(deliver(events, { log_state: failing.binding })).rejects.toThrow(/storing failed/);
    expect(await logKeys()).toEqual([]);
    await deliver(events);
    await deliver(events);
    expect((await stored()).map((e) => e.message).sort()).toEqual(
      ["POST /login 200", `line 0 ${"x".repeat(40)}`, `line 1 ${"x".repeat(40)}`, "lost one"].sort(),
    );
  });
});
