/**
 * Tail capture, what is stored: trace events delivered to log-worker's `tail`
 * handler, asserted on the entries read back from the real local KV.
 */
import { INGEST_LIMITS, type StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { resetStorage } from "./helpers";
import { ALL, deliver, fetchEvent, line, stored, T0 } from "./tail-helpers";

beforeEach(resetStorage);

const byKind = (entries: StoredLogEntry[], kind: string) => entries.filter((e) => e.kind === kind);
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe("console lines", () => {
  it("maps each console method to a level and joins the arguments: strings as they are, the rest as redacted JSON", async () => {
    const errorInfo = [null, { name: "TypeError", message: "bad input", stack: "    at f (w.js:1:1)" }];
    await deliver(
      [
        fetchEvent({
          headers: { "x-request-id": "req-abc" },
          logs: [
            line("log", "hello", { a: 1, nested: { password: "hunter2" } }, 42, [1, 2], null, true),
            line("info", "info line"),
            line("debug", "debug line"),
            line("warn", "warn line"),
            { ...line("error", "failed:", "TypeError: bad input"), errorInfo },
            line("log", '{"user":"ada","apiKey":"k-123","n":1}'),
            line("log", '{"user":"ada","n":1}'),
          ],
        }),
      ],
      ALL,
    );
    const consoleLines = byKind(await stored(), "console");
    expect(consoleLines.map((e) => [e.level, e.message])).toEqual([
      ["info", 'hello {"a":1,"nested":{"password":"[REDACTED]"}} 42 [1,2] null true'],
      ["info", "info line"],
      ["debug", "debug line"],
      ["warn", "warn line"],
      ["error", "failed: TypeError: bad input"],
      // A JSON string is redacted like an object, and left as written when nothing was redacted.
      ["info", '{"user":"ada","apiKey":"[REDACTED]","n":1}'],
      ["info", '{"user":"ada","n":1}'],
    ]);
    for (const e of consoleLines) {
      expect(e).toMatchObject({
        source: "tail",
        service: "auth-worker",
        requestId: "req-abc",
        timestamp: new Date(T0 + 1).toISOString(),
      });
    }
    expect(consoleLines[4]?.err).toEqual({
      name: "TypeError",
      message: "bad input",
      stack: "    at f (w.js:1:1)",
    });
    expect(JSON.stringify(consoleLines)).not.toMatch(/hunter2|k-123/);
  });

  it("errors (the default) keeps warn and error lines and their invocation, and nothing of a quiet 200", async () => {
    await deliver([
      fetchEvent({ url: "https://a.example/quiet", logs: [line("log", "fine"), line("info", "fine too")] }),
      fetchEvent({
        url: "https://a.example/noisy",
        logs: [line("log", "not kept"), line("warn", "kept warn"), line("error", "kept error")],
      }),
    ]);
    const entries = await stored();
    expect(entries.map((e) => e.message)).toEqual(["kept warn", "kept error", "POST /noisy 200"]);
  });

  it("keeps an empty console call and values that are not strings or arrays", async () => {
    await deliver(
      [
        fetchEvent({
          logs: [
            { level: "log", message: [], timestamp: T0 },
            { level: "log", message: { not: "an array", token: "t-1" }, timestamp: T0 },
            { level: "log", message: 7, timestamp: T0 },
            { level: "warn", message: [{ deep: { deeper: [{ secret: "s-1", ok: [1, { x: null }] }] } }] },
          ],
        }),
      ],
      ALL,
    );
    expect(byKind(await stored(), "console").map((e) => e.message)).toEqual([
      "(empty console line)",
      '{"not":"an array","token":"[REDACTED]"}',
      "7",
      '{"deep":{"deeper":[{"secret":"[REDACTED]","ok":[1,{"x":null}]}]}}',
    ]);
  });
});

describe("long messages", () => {
  it("cuts a 1 MiB line to fit the 64 KiB entry limit, and marks it", async () => {
    const huge = "x".repeat(1024 * 1024);
    await deliver([fetchEvent({ logs: [line("error", huge)] })]);
    const [entry] = byKind(await stored(), "console");
    expect(entry?.truncated).toBe(true);
    expect(entry?.message).toMatch(/^x+… \[truncated \d+ chars\]$/);
    expect(bytes(entry)).toBeLessThanOrEqual(INGEST_LIMITS.maxEntryBytes);
  });

  it("fits text that grows when escaped (control characters) and long stacks and error messages", async () => {
    const control = "\u0001".repeat(60_000);
    await deliver([
      fetchEvent({
        logs: [line("error", control)],
        exceptions: [
          {
            name: "E".repeat(70_000),
            message: "m".repeat(70_000),
            stack: "s".repeat(200_000),
            timestamp: T0,
          },
        ],
      }),
    ]);
    const entries = await stored();
    expect(entries).toHaveLength(3);
    for (const e of entries) expect(bytes(e)).toBeLessThanOrEqual(INGEST_LIMITS.maxEntryBytes);
    const [consoleLine] = byKind(entries, "console");
    const [exception] = byKind(entries, "exception");
    expect(consoleLine?.truncated).toBe(true);
    expect(consoleLine?.message.startsWith("\u0001\u0001")).toBe(true);
    expect(exception?.truncated).toBe(true);
    expect((exception?.err as { stack?: string } | undefined)?.stack).toMatch(
      /^s+… \[truncated \d+ chars\]$/,
    );
  });

  it("does not cut a surrogate pair in half", async () => {
    const emoji = "😀".repeat(20_000); // 40,000 UTF-16 units
    await deliver([fetchEvent({ logs: [line("error", emoji)] })]);
    const [entry] = byKind(await stored(), "console");
    const kept = entry?.message.split("…")[0] ?? "";
    expect(kept.length % 2).toBe(0);
    expect(kept).toMatch(/^(😀)+$/u);
  });
});

describe("exceptions", () => {
  it("stores each uncaught exception at level error with name, message and stack when given", async () => {
    await deliver([
      fetchEvent(
        {
          status: null,
          exceptions: [
            { name: "TypeError", message: "x is undefined", stack: "    at f (w.js:2:3)", timestamp: T0 + 5 },
            { name: "Error", message: "no stack", timestamp: T0 + 6 },
          ],
        },
        { outcome: "exception" },
      ),
    ]);
    const entries = await stored();
    expect(byKind(entries, "exception").map((e) => [e.level, e.message, e.err])).toEqual([
      [
        "error",
        "TypeError: x is undefined",
        { name: "TypeError", message: "x is undefined", stack: "    at f (w.js:2:3)" },
      ],
      ["error", "Error: no stack", { name: "Error", message: "no stack" }],
    ]);
    expect(byKind(entries, "invocation")).toMatchObject([
      { level: "error", message: "POST /login exception", outcome: "exception" },
    ]);
  });
});

describe("the invocation entry", () => {
  it("has method, path without the query string, status, outcome, and CPU and wall time when reported", async () => {
    await deliver(
      [
        fetchEvent({
          url: "https://auth.example.com/reset/confirm?token=t0ps3cret&next=/me",
          method: "GET",
          headers: { "x-request-id": "req-1" },
        }),
        fetchEvent(
          { url: "http://127.0.0.1:8788/me", method: "GET" },
          { scriptName: null, cpuTime: 0, wallTime: 0 },
        ),
      ],
      ALL,
    );
    const entries = await stored();
    expect(byKind(entries, "invocation")).toEqual([
      expect.objectContaining({
        level: "info",
        message: "GET /reset/confirm 200",
        source: "tail",
        service: "auth-worker",
        requestId: "req-1",
        trigger: "fetch",
        method: "GET",
        path: "/reset/confirm",
        status: 200,
        outcome: "ok",
        cpuTime: 3,
        wallTime: 12,
        timestamp: new Date(T0).toISOString(),
      }),
      expect.objectContaining({ message: "GET /me 200", service: "127.0.0.1:8788", path: "/me" }),
    ]);
    // Local dev reports 0 for both, and no script name: the host stands in for the service.
    expect(entries[1]).not.toHaveProperty("cpuTime");
    expect(entries[1]).not.toHaveProperty("wallTime");
    expect(entries[1]).not.toHaveProperty("requestId");
    expect(JSON.stringify(entries)).not.toContain("t0ps3cret");
  });

  it("errors keeps every failed outcome and every response ≥ 500, and no successful one", async () => {
    const outcomes = ["exception", "exceededCpu", "exceededMemory", "canceled", "scriptNotFound", "unknown"];
    await deliver([
      ...outcomes.map((outcome, i) =>
        fetchEvent({ url: `https://a.example/o${i}`, status: null }, { outcome }),
      ),
      fetchEvent({ url: "https://a.example/ok" }),
      fetchEvent({ url: "https://a.example/missing", status: 404 }),
      // Under wrangler dev an exception caught by its middleware is a 500 with no `exceptions` entry.
      fetchEvent({ url: "https://a.example/crash", status: 500 }),
      fetchEvent({ url: "https://a.example/unavailable", status: 503 }),
    ]);
    const entries = await stored();
    expect(entries.map((e) => [e.level, e.message, e.outcome])).toEqual([
      ...outcomes.map((outcome, i) => ["error", `POST /o${i} ${outcome}`, outcome]),
      ["error", "POST /crash 500", "ok"],
      ["error", "POST /unavailable 503", "ok"],
    ]);
  });

  it("all keeps one invocation entry per event, 4xx at warn, whatever else it had", async () => {
    await deliver(
      [
        fetchEvent({ url: "https://a.example/ok" }),
        fetchEvent({ url: "https://a.example/missing", status: 404 }),
      ],
      ALL,
    );
    expect((await stored()).map((e) => [e.level, e.message])).toEqual([
      ["info", "POST /ok 200"],
      ["warn", "POST /missing 404"],
    ]);
  });

  it("describes invocations that are not fetches", async () => {
    const base = fetchEvent({}, { scriptName: "jobs" });
    await deliver(
      [
        { ...base, event: { cron: "0 0 * * *", scheduledTime: T0 } },
        { ...base, event: { queue: "emails", batchSize: 3 } },
        { ...base, event: { rpcMethod: "ingest" }, entrypoint: "Jobs" },
        { ...base, event: { scheduledTime: new Date(T0) } },
      ],
      ALL,
    );
    expect((await stored()).map((e) => [e.message, e.trigger, e.service])).toEqual([
      ["scheduled 0 0 * * * ok", "scheduled", "jobs"],
      ["queue emails ok", "queue", "jobs"],
      ["rpc ingest ok", "rpc", "jobs"],
      ["alarm ok", "alarm", "jobs"],
    ]);
  });

  it("keeps only request ids the client's middleware would adopt", async () => {
    await deliver(
      [
        fetchEvent({ url: "https://a.example/1", headers: { "x-request-id": "x".repeat(500) } }),
        fetchEvent({ url: "https://a.example/2", headers: { "X-Request-Id": "Upper_Case-1" } }),
      ],
      ALL,
    );
    expect((await stored()).map((e) => e.requestId)).toEqual([undefined, "Upper_Case-1"]);
  });
});

describe("missing or malformed fields (a trust boundary)", () => {
  it("stores what can be read and never throws", async () => {
    await deliver(
      [
        null,
        "not an event",
        {},
        { event: null, logs: "not an array", exceptions: [null, 5, {}], outcome: 7 },
        {
          scriptName: 12,
          event: { request: { url: "not a url?x=1", method: 5, headers: null } },
          logs: [null, {}],
        },
        {
          event: { request: {} },
          logs: [{ level: "warn", message: ["ts bad"], timestamp: -5 }],
          eventTimestamp: "x",
        },
        fetchEvent({ status: null }, { outcome: undefined, eventTimestamp: null }),
      ],
      ALL,
    );
    const entries = await stored();
    expect(entries.map((e) => [e.kind, e.level, e.message])).toEqual([
      ["invocation", "info", "invocation unknown"],
      ["exception", "error", "Error"],
      ["invocation", "info", "invocation unknown"],
      ["console", "info", "undefined"],
      ["invocation", "info", "not a url unknown"],
      ["console", "warn", "ts bad"],
      ["invocation", "info", "fetch unknown"],
      ["invocation", "info", "POST /login unknown"],
    ]);
    // A missing or invalid timestamp is the time log-worker received the batch.
    for (const e of entries) expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
  });

  it("stores nothing for an empty delivery or one that is not an array", async () => {
    await deliver([]);
    await deliver("not an array" as unknown as unknown[]);
    await deliver([fetchEvent()]); // errors: a quiet 200 is not kept
    expect(await stored()).toEqual([]);
  });
});
