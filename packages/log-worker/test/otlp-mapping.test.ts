/**
 * OTLP records → stored entries (DESIGN.md, "OTLP and NDJSON ingest"), through
 * POST /v1/logs in both encodings, read back from the real local KV.
 */
import Long from "long";
import { beforeEach, describe, expect, it } from "vitest";
import { EMPTY_BODY_MESSAGE } from "../src/otlp/map";
import { json, resetStorage, storedEntries } from "./helpers";
import { encodeProtobuf, otlpRequest, postOtlp } from "./otlp-helpers";

beforeEach(resetStorage);

const T = "1764500000123456789"; // 2025-11-30T10:53:20.123Z
const T_ISO = "2025-11-30T10:53:20.123Z";

async function storeJson(records: unknown[], resource?: unknown[], scope?: unknown) {
  const res = await postOtlp(otlpRequest(records, resource, scope));
  expect(res.status).toBe(200);
  return { body: await json(res), entries: await storedEntries() };
}

describe("severity → level", () => {
  it("maps every severityNumber range: 1–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal", async () => {
    const numbers = [1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24];
    const { entries } = await storeJson(
      numbers.map((n) => ({ timeUnixNano: T, severityNumber: n, body: { stringValue: `n${n}` } })),
    );
    expect(entries.map((e) => [e.message, e.level])).toEqual([
      ["n1", "debug"],
      ["n4", "debug"],
      ["n5", "debug"],
      ["n8", "debug"],
      ["n9", "info"],
      ["n12", "info"],
      ["n13", "warn"],
      ["n16", "warn"],
      ["n17", "error"],
      ["n20", "error"],
      ["n21", "fatal"],
      ["n24", "fatal"],
    ]);
  });

  it("falls back to severityText when severityNumber is absent or unspecified, else info", async () => {
    const { entries } = await storeJson([
      { body: { stringValue: "a" }, severityText: "WARN" },
      { body: { stringValue: "b" }, severityNumber: 0, severityText: "Error" },
      { body: { stringValue: "c" }, severityText: "fatal" },
      { body: { stringValue: "d" }, severityText: "debug2" },
      { body: { stringValue: "e" }, severityText: "bogus" },
      { body: { stringValue: "f" } },
      { body: { stringValue: "g" }, severityNumber: 99, severityText: "warning" },
    ]);
    expect(entries.map((e) => e.level)).toEqual(["warn", "error", "fatal", "debug", "info", "info", "warn"]);
    // The producer's text is kept as it was.
    expect(entries[0]?.severityText).toBe("WARN");
    expect(entries[5]).not.toHaveProperty("severityText");
  });

  it("reads severityNumber from protobuf too", async () => {
    const res = await postOtlp(
      encodeProtobuf(otlpRequest([{ severityNumber: 14, body: { stringValue: "slow" } }])),
    );
    expect(res.status).toBe(200);
    expect((await storedEntries())[0]).toMatchObject({ level: "warn", message: "slow" });
  });
});

describe("body → message", () => {
  it("keeps a string body, writes bytes as base64 and every other AnyValue kind as JSON", async () => {
    const { entries } = await storeJson([
      { body: { stringValue: "plain text" } },
      { body: { intValue: "42" } },
      { body: { doubleValue: 1.5 } },
      { body: { boolValue: false } },
      { body: { arrayValue: { values: [{ stringValue: "x" }, { intValue: 7 }, {}] } } },
      { body: { kvlistValue: { values: [{ key: "user", value: { stringValue: "ada" } }] } } },
      { body: { bytesValue: "AAEC" } },
    ]);
    expect(entries.map((e) => e.message)).toEqual([
      "plain text",
      "42",
      "1.5",
      "false",
      '["x",7,null]',
      '{"user":"ada"}',
      "AAEC",
    ]);
  });

  it("gives a record without a body its event name, else a placeholder, so the entry is valid", async () => {
    const { entries } = await storeJson([
      { severityNumber: 9 },
      { body: { stringValue: "" } },
      { body: { stringValue: "" }, eventName: "user.login" },
    ]);
    expect(entries.map((e) => e.message)).toEqual([EMPTY_BODY_MESSAGE, EMPTY_BODY_MESSAGE, "user.login"]);
    expect(entries[2]?.eventName).toBe("user.login");
  });

  it("decodes protobuf strings exactly: non-ASCII text, a leading byte order mark, empty", async () => {
    const texts = ["naïve café — 日本語 🚀", "\uFEFFafter a BOM", "plain"];
    await postOtlp(
      encodeProtobuf(
        otlpRequest(
          texts.map((text) => ({
            body: { stringValue: text },
            attributes: [
              { key: "clé", value: { stringValue: text } },
              { key: "empty", value: { stringValue: "" } },
            ],
          })),
        ),
      ),
    );
    const stored = await storedEntries();
    expect(stored.map((e) => e.message)).toEqual(texts);
    expect(stored.map((e) => [e.clé, e.empty])).toEqual(texts.map((text) => [text, ""]));
  });

  it("writes protobuf bytes bodies as base64", async () => {
    await postOtlp(encodeProtobuf(otlpRequest([{ body: { bytesValue: new Uint8Array([0, 1, 2, 255]) } }])));
    expect((await storedEntries())[0]?.message).toBe("AAEC/w==");
  });
});

describe("timestamps", () => {
  it("uses timeUnixNano, else observedTimeUnixNano, else the time received", async () => {
    const before = Date.now();
    const { entries } = await storeJson([
      { timeUnixNano: T, observedTimeUnixNano: "1764500001000000000", body: { stringValue: "time" } },
      { observedTimeUnixNano: "1764500001000000000", body: { stringValue: "observed" } },
      { timeUnixNano: "0", body: { stringValue: "received" } },
      { timeUnixNano: 1_764_500_002_000_000_000, body: { stringValue: "number" } },
    ]);
    expect(entries[0]?.timestamp).toBe(T_ISO);
    expect(entries[1]?.timestamp).toBe("2025-11-30T10:53:21.000Z");
    expect(entries[2]?.timestamp).toBe(entries[2]?.receivedAt);
    expect(Date.parse(entries[2]?.timestamp ?? "")).toBeGreaterThanOrEqual(before);
    expect(entries[3]?.timestamp).toBe("2025-11-30T10:53:22.000Z");
  });

  it("reads 64-bit protobuf times exactly to the millisecond", async () => {
    // 1764500000123999999 ns: a double would round it up to …124 ms.
    const time = Long.fromString("1764500000123999999", true);
    await postOtlp(encodeProtobuf(otlpRequest([{ timeUnixNano: time, body: { stringValue: "x" } }])));
    expect((await storedEntries())[0]?.timestamp).toBe(T_ISO);
  });

  it("reads any nanosecond time exactly, as a JSON string and as a protobuf 64-bit integer", async () => {
    // Random times across the whole unsigned 64-bit range, plus the edges.
    const random64 = () =>
      (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32));
    const times = [1n, 999_999n, 1_000_000n, 1_999_999n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    for (let i = 0; i < 93; i++) {
      const ns = random64();
      // Every other one the last nanosecond of a millisecond, where rounding shows.
      times.push(i % 2 ? ns : ((ns >> 1n) / 1_000_000n) * 1_000_000n + 999_999n);
    }
    const expected = times.map((ns) => new Date(Number(ns / 1_000_000n)).toISOString());
    const records = (time: (ns: bigint) => unknown) =>
      times.map((ns, i) => ({ timeUnixNano: time(ns), body: { stringValue: `t${i}` } }));

    const bodies = [
      otlpRequest(records((ns) => String(ns))),
      encodeProtobuf(otlpRequest(records((ns) => Long.fromString(String(ns), true)))),
    ];
    for (const body of bodies) {
      await resetStorage();
      expect((await postOtlp(body)).status).toBe(200);
      const stored = await storedEntries();
      expect(stored.map((e) => e.message)).toEqual(times.map((_, i) => `t${i}`));
      expect(stored.map((e) => e.timestamp)).toEqual(expected);
    }
  });

  it("rejects records whose time is not between 1970 and 9999, and stores the rest", async () => {
    const res = await postOtlp(
      otlpRequest([
        { timeUnixNano: 1e30, body: { stringValue: "year 3e13" } },
        { timeUnixNano: "-1", body: { stringValue: "negative" } },
        { observedTimeUnixNano: "tomorrow", body: { stringValue: "text" } },
        { timeUnixNano: T, body: { stringValue: "fine" } },
      ]),
    );
    expect(res.status).toBe(200);
    const body = await json<{ partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>(res);
    expect(body.partialSuccess.rejectedLogRecords).toBe(3);
    expect(body.partialSuccess.errorMessage).toContain(
      "resourceLogs[0].scopeLogs[0].logRecords[0]: timeUnixNano is not a time between 1970 and 9999",
    );
    expect(body.partialSuccess.errorMessage).toContain("logRecords[2]: observedTimeUnixNano");
    expect((await storedEntries()).map((e) => e.message)).toEqual(["fine"]);
  });
});

describe("resource, scope, trace context and attributes", () => {
  it("takes service from service.name and keeps resource attributes under resource, scope under scope", async () => {
    const { entries } = await storeJson(
      [{ body: { stringValue: "x" } }],
      [
        { key: "service.name", value: { stringValue: "checkout" } },
        { key: "host.name", value: { stringValue: "web-1" } },
        { key: "process.pid", value: { intValue: "4242" } },
      ],
      { name: "app.logger", version: "1.2.3", attributes: [{ key: "lib", value: { boolValue: true } }] },
    );
    expect(entries[0]).toMatchObject({
      service: "checkout",
      resource: { "service.name": "checkout", "host.name": "web-1", "process.pid": 4242 },
      scope: { name: "app.logger", version: "1.2.3", attributes: { lib: true } },
    });
  });

  it("stores traceId and spanId as lowercase hex from JSON hex and from protobuf bytes", async () => {
    await storeJson([
      {
        body: { stringValue: "json" },
        traceId: "5B8EFFF798038103D269B633813FC60C",
        spanId: "EEE19B7EC3C1B174",
      },
    ]);
    await postOtlp(
      encodeProtobuf(
        otlpRequest([
          {
            body: { stringValue: "protobuf" },
            traceId: Uint8Array.from({ length: 16 }, (_, i) => i * 16 + i),
            spanId: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 255]),
          },
          { body: { stringValue: "zero ids" }, traceId: new Uint8Array(16), spanId: new Uint8Array(8) },
        ]),
      ),
    );
    const entries = await storedEntries();
    const byMessage = Object.fromEntries(entries.map((e) => [e.message, e]));
    expect(byMessage.json).toMatchObject({
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "eee19b7ec3c1b174",
    });
    expect(byMessage.protobuf).toMatchObject({
      traceId: "00112233445566778899aabbccddeeff",
      spanId: "01020304050607ff",
    });
    // All-zero ids mean "no trace" in OTLP.
    expect(byMessage["zero ids"]).not.toHaveProperty("traceId");
  });

  it("rejects a record whose traceId is not 16 bytes", async () => {
    const res = await postOtlp(otlpRequest([{ body: { stringValue: "x" }, traceId: "abc" }]));
    const body = await json<{ partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>(res);
    expect(body.partialSuccess).toMatchObject({ rejectedLogRecords: 1 });
    expect(body.partialSuccess.errorMessage).toContain("traceId must be 16 bytes");
    expect(await storedEntries()).toEqual([]);
  });

  it("keeps record attributes as fields, flattened to JSON values", async () => {
    const { entries } = await storeJson([
      {
        body: { stringValue: "x" },
        attributes: [
          { key: "http.method", value: { stringValue: "GET" } },
          { key: "http.status_code", value: { intValue: 200 } },
          { key: "ratio", value: { doubleValue: "NaN" } },
          { key: "ok", value: { boolValue: true } },
          { key: "tags", value: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } } },
          { key: "user", value: { kvlistValue: { values: [{ key: "id", value: { intValue: "7" } }] } } },
          { key: "big", value: { intValue: "9223372036854775807" } },
          { key: "requestId", value: { stringValue: "req-1" } },
        ],
      },
    ]);
    expect(entries[0]).toMatchObject({
      "http.method": "GET",
      "http.status_code": 200,
      ratio: "NaN",
      ok: true,
      tags: ["a", "b"],
      user: { id: 7 },
      // Beyond 2^53: kept exact as a string.
      big: "9223372036854775807",
      requestId: "req-1",
    });
  });

  it("keeps int64 attributes exact from protobuf", async () => {
    await postOtlp(
      encodeProtobuf(
        otlpRequest([
          {
            body: { stringValue: "x" },
            attributes: [
              { key: "big", value: { intValue: Long.fromString("9223372036854775807") } },
              { key: "small", value: { intValue: -3 } },
            ],
          },
        ]),
      ),
    );
    expect((await storedEntries())[0]).toMatchObject({ big: "9223372036854775807", small: -3 });
  });

  it("moves attributes named like the entry's own fields under attributes, so they cannot overwrite them", async () => {
    const { entries } = await storeJson([
      {
        timeUnixNano: T,
        severityNumber: 17,
        body: { stringValue: "real message" },
        attributes: [
          { key: "id", value: { stringValue: "spoofed" } },
          { key: "level", value: { stringValue: "debug" } },
          { key: "message", value: { stringValue: "other" } },
          { key: "timestamp", value: { intValue: 0 } },
          { key: "receivedAt", value: { stringValue: "1999" } },
          { key: "service", value: { stringValue: "not-the-resource" } },
          { key: "requestId", value: { intValue: 5 } },
          { key: "__proto__", value: { stringValue: "p" } },
        ],
      },
    ]);
    const [entry] = entries;
    expect(entry).toMatchObject({
      level: "error",
      message: "real message",
      timestamp: T_ISO,
      service: "checkout",
    });
    expect(entry?.id).not.toBe("spoofed");
    expect(entry?.receivedAt).not.toBe("1999");
    expect(entry).not.toHaveProperty("requestId");
    expect(entry?.attributes).toEqual({
      id: "spoofed",
      level: "debug",
      message: "other",
      timestamp: 0,
      receivedAt: "1999",
      service: "not-the-resource",
      requestId: 5,
      ["__proto__"]: "p",
    });
  });

  it("rejects a record that would be over the 64 KiB entry limit, alone", async () => {
    const res = await postOtlp(
      otlpRequest([
        { body: { stringValue: "small" } },
        {
          body: { stringValue: "huge" },
          attributes: [{ key: "blob", value: { stringValue: "x".repeat(70_000) } }],
        },
      ]),
    );
    const body = await json<{ partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>(res);
    expect(body.partialSuccess.rejectedLogRecords).toBe(1);
    expect(body.partialSuccess.errorMessage).toMatch(
      /logRecords\[1\]: is \d+ bytes as an entry; the limit is 65536/,
    );
    expect((await storedEntries()).map((e) => e.message)).toEqual(["small"]);
  });

  it("rejects a record whose values nest deeper than 32 levels", async () => {
    let deep: unknown = { stringValue: "bottom" };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const res = await postOtlp(otlpRequest([{ body: deep }, { body: { stringValue: "ok" } }]));
    const body = await json<{ partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>(res);
    expect(body.partialSuccess.errorMessage).toContain(
      "logRecords[0]: a value is nested deeper than 32 levels",
    );
    expect((await storedEntries()).map((e) => e.message)).toEqual(["ok"]);
  });
});
