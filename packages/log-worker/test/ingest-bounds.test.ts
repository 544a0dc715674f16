/** Inputs that must never reach a reader: out-of-range timestamps, deep nesting; errors that never echo the body. */
import { INGEST_LIMITS } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_ENTRY_DEPTH } from "../src/ingest/entries";
import { json, logKeys, postLog, resetStorage, storedEntries } from "./helpers";

beforeEach(resetStorage);

type ErrorBody = { error: { code: string; message: string; details?: unknown } };

describe("timestamps: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z after normalising to UTC", () => {
  it.each([
    ["the first instant, ISO", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"],
    ["the first instant, epoch ms", 0, "1970-01-01T00:00:00.000Z"],
    ["the last instant, ISO", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
    ["the last instant, epoch ms", 253_402_300_799_999, "9999-12-31T23:59:59.999Z"],
    ["an offset that stays in range", "9999-12-31T23:59:59+01:00", "9999-12-31T22:59:59.000Z"],
  ])("accepts %s", async (_, timestamp, stored) => {
    const res = await postLog({ message: "edge", timestamp });
    expect(res.status).toBe(201);
    const [entry] = await storedEntries();
    expect(entry?.timestamp).toBe(stored);
  });

  it.each([
    ["an offset that crosses into year 10000", "9999-12-31T23:59:59-01:00"],
    ["an offset that crosses back into 1969", "1970-01-01T00:30:00+01:00"],
    ["epoch ms past the end", 253_402_300_800_000],
    ["negative epoch ms", -1],
    ["year 0000", "0000-01-01T00:00:00Z"],
  ])("refuses %s with 400 invalid_entry naming the field, storing nothing", async (_, timestamp) => {
    const res = await postLog([{ message: "ok" }, { message: "edge", timestamp }]);
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe("invalid_entry");
    expect(body.error.message).toMatch(/^entries\[1\]\.timestamp: /);
    expect(await logKeys()).toEqual([]);
  });
});

describe("deep nesting", () => {
  it("10,000 levels answer 400 invalid_entry, never a 500", async () => {
    const deep = `{"message":"deep","data":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const res = await postLog(deep);
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe("invalid_entry");
    expect(body.error.message).toContain(`deeper than ${MAX_ENTRY_DEPTH} levels`);
    expect(await logKeys()).toEqual([]);
  });

  it(`${MAX_ENTRY_DEPTH} levels are accepted and read back`, async () => {
    // The entry object is one level; its field adds MAX_ENTRY_DEPTH - 1 more.
    const depth = MAX_ENTRY_DEPTH - 1;
    const deep = `{"message":"deep enough","data":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    expect((await postLog(deep)).status).toBe(201);
    expect((await storedEntries())[0]?.message).toBe("deep enough");
  });
});

describe("errors never quote the body", () => {
  it("malformed JSON: the message says nothing of the bytes around the bad token", async () => {
    const res = await postLog('{"email":"a@b.co","password":hunter2SECRET}');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("invalid_json");
    expect(text).not.toMatch(/hunter|SECRET|password|a@b\.co/);
  });

  it("an oversized entry is named by index and size only", async () => {
    const big = { message: "big", secret: `hunter2SECRET${"x".repeat(INGEST_LIMITS.maxEntryBytes)}` };
    const res = await postLog([{ message: "ok" }, big]);
    expect(res.status).toBe(413);
    expect(await res.text()).not.toContain("hunter2");
  });
});
