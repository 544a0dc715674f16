/**
 * Ingest decides the common entry without zod (`quickEntryFacts`): it must
 * never accept what the schema refuses, must read the same facts as the schema,
 * and must actually take the common shapes (else it is only a slower path).
 * Also: the stored value is written as bytes around the request body, so a body
 * with a byte order mark or non-ASCII text must still read back exactly.
 */
import { env, exports } from "cloudflare:workers";
import { levelRank, logEntrySchema, MAX_TIMESTAMP_MS } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { quickEntryFacts } from "../src/ingest/entries";
import { API_KEY, logKeys, postLog, resetStorage, storedEntries } from "./helpers";

const ABSENT = Symbol("absent");

const FIELD_VALUES: Record<string, unknown[]> = {
  level: [ABSENT, undefined, "debug", "info", "warn", "error", "fatal", "INFO", "", "trace", null, 3],
  message: [ABSENT, "m", "ünïcødé ✓", "", undefined, null, 5, ["x"], {}],
  service: [ABSENT, "auth-worker", "", undefined, null, 3],
  requestId: [ABSENT, "req-1", undefined, null, 7],
  timestamp: [
    ABSENT,
    undefined,
    0,
    -0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1_764_529_200_000,
    MAX_TIMESTAMP_MS,
    MAX_TIMESTAMP_MS + 1,
    Number.MAX_SAFE_INTEGER + 2,
    "2026-11-30T19:00:00Z",
    "2026-11-30T19:00:00.123456+01:00",
    "2024-02-29T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-11-30T24:00:00Z",
    "2026-11-30T19:00Z",
    "2026-11-30T19:00:00",
    "2026-11-30",
    " 2026-11-30T19:00:00Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59-01:00",
    "0000-01-01T00:00:00Z",
    "1764529200000",
    null,
    true,
    {},
  ],
};

/** Every combination of the field values above (about 48,000 entries). */
function* entries(): Generator<Record<string, unknown>> {
  const names = Object.keys(FIELD_VALUES);
  const pick = (i: number, acc: Record<string, unknown>): Generator<Record<string, unknown>> =>
    (function* () {
      if (i === names.length) {
        yield acc;
        return;
      }
      const name = names[i] as string;
      for (const value of FIELD_VALUES[name] as unknown[]) {
        const next = { ...acc };
        if (value !== ABSENT) next[name] = value;
        yield* pick(i + 1, next);
      }
    })();
  yield* pick(0, { extra: { nested: [1, "two"] } });
}

describe("quickEntryFacts", () => {
  it("accepts only what logEntrySchema accepts, with the same level, time and service", () => {
    let quick = 0;
    let valid = 0;
    let total = 0;
    for (const entry of entries()) {
      total++;
      const parsed = logEntrySchema.safeParse(entry);
      if (parsed.success) valid++;
      const facts = quickEntryFacts(entry);
      if (facts === null) continue;
      quick++;
      if (!parsed.success) expect.fail(`quick path accepted what the schema refuses: ${String(entry)}`);
      expect(facts).toEqual({
        rank: levelRank(parsed.data.level),
        ms: parsed.data.timestamp,
        service: parsed.data.service,
      });
    }
    expect(total).toBeGreaterThan(40_000);
    // Here it decides every entry the schema accepts (so zod only runs to word a refusal).
    expect(valid).toBeGreaterThan(1_000);
    expect(quick).toBe(valid);
  });

  it("refuses values that are not entry objects", () => {
    for (const item of [null, undefined, "message", 5, true, [], [{ message: "x" }]]) {
      expect(quickEntryFacts(item)).toBeNull();
    }
  });

  it("takes the shapes producers send: the client's entries, epoch ms, no time, every level", () => {
    const shapes = [
      { level: "info", message: "GET /me 200", service: "auth-worker", timestamp: new Date().toISOString() },
      { level: "error", message: "boom", requestId: "r-1", timestamp: Date.now(), status: 500 },
      { message: "no level, no time" },
      ...["debug", "info", "warn", "error", "fatal"].map((level) => ({ level, message: level })),
      { message: "offset", timestamp: "2026-11-30T20:00:00.5+01:00" },
    ];
    for (const shape of shapes) expect(quickEntryFacts(shape), JSON.stringify(shape)).not.toBeNull();
  });
});

describe("the stored value is the request body's bytes", () => {
  beforeEach(resetStorage);

  it("a body with a UTF-8 byte order mark is stored without it and reads back", async () => {
    const body = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode(JSON.stringify([{ message: "after a BOM" }])),
    ]);
    const res = await exports.default.fetch("https://log-worker.test/log", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
      body,
    });
    expect(res.status).toBe(201);
    const [key] = await logKeys();
    const raw = await env.log_state.get(key as string, "arrayBuffer");
    expect(new Uint8Array(raw as ArrayBuffer).slice(0, 3)).not.toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
    expect((await storedEntries()).map((e) => e.message)).toEqual(["after a BOM"]);
  });

  it("non-ASCII text reads back exactly, and list metadata counts its UTF-8 bytes", async () => {
    const message = "naïve café — 日本語 — 🚀";
    const res = await postLog([{ message, service: "ünï" }]);
    expect(res.status).toBe(201);
    const entries = await storedEntries();
    expect(entries.map((e) => [e.message, e.service])).toEqual([[message, "ünï"]]);
    const [listed] = (await env.log_state.list<{ b: number }>({ prefix: "log:" })).keys;
    const stored = await env.log_state.get(listed?.name as string, "arrayBuffer");
    expect(listed?.metadata?.b).toBe((stored as ArrayBuffer).byteLength);
  });
});
