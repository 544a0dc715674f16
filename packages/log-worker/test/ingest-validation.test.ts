/**
 * Every limit and bad input of DESIGN.md: the documented status and code, a
 * message naming what is wrong, and proof that nothing was stored.
 */
import { exports } from "cloudflare:workers";
import { INGEST_LIMITS } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { API_KEY, json, logKeys, postLog, resetStorage } from "./helpers";

beforeEach(resetStorage);

type ErrorBody = { error: { code: string; message: string; details?: unknown } };

async function expectRefused(res: Response, status: number, code: string, messagePart?: string | RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = await json<ErrorBody>(res);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  if (messagePart) expect(body.error.message).toMatch(messagePart);
  expect(await logKeys(), "nothing may be stored").toEqual([]);
  return body;
}

const valid = { message: "ok" };

describe("POST /log refuses bad input whole", () => {
  it("malformed JSON → 400 invalid_json", async () => {
    await expectRefused(await postLog('{"message": "unterminated'), 400, "invalid_json");
  });

  it("a JSON scalar → 400 invalid_entry", async () => {
    await expectRefused(await postLog("42"), 400, "invalid_entry");
  });

  it("an empty body → 400 invalid_json", async () => {
    await expectRefused(await postLog(""), 400, "invalid_json");
  });

  it("wrong content type → 415 unsupported_media_type", async () => {
    await expectRefused(
      await postLog(valid, { contentType: "text/plain" }),
      415,
      "unsupported_media_type",
      /application\/json/,
    );
  });

  it("no content type → 415 unsupported_media_type", async () => {
    await expectRefused(await postLog(valid, { contentType: null }), 415, "unsupported_media_type");
  });

  it("missing message → 400 invalid_entry naming the field", async () => {
    await expectRefused(await postLog({ level: "info" }), 400, "invalid_entry", /message/);
  });

  it("empty message → 400 invalid_entry naming the field", async () => {
    await expectRefused(
      await postLog({ message: "" }),
      400,
      "invalid_entry",
      /message: must be a non-empty string/,
    );
  });

  it("non-string message → 400 invalid_entry", async () => {
    await expectRefused(await postLog({ message: { text: "x" } }), 400, "invalid_entry", /message/);
  });

  it("unknown level → 400 invalid_entry listing the levels", async () => {
    await expectRefused(
      await postLog({ message: "x", level: "verbose" }),
      400,
      "invalid_entry",
      /level: must be one of debug, info, warn, error, fatal/,
    );
  });

  it.each([
    ["a date without a time", "2026-11-28"],
    ["a date-time without a zone", "2026-11-28T10:00:00"],
    ["free text", "yesterday"],
    ["epoch seconds with a fraction", 1_764_000_000.5],
    ["a negative number", -1],
    ["a year past 9999", 253_402_300_800_000],
  ])("bad timestamp (%s) → 400 invalid_entry", async (_, timestamp) => {
    await expectRefused(await postLog({ message: "x", timestamp }), 400, "invalid_entry", /timestamp/);
  });

  it("names the index of the offending entry in a batch", async () => {
    const batch = [valid, valid, { message: "x", level: "nope" }, valid];
    const body = await expectRefused(await postLog(batch), 400, "invalid_entry", /^entries\[2\]\.level/);
    expect(body.error.details).toMatchObject({ index: 2 });
  });

  it("an entry that is not an object → 400 naming its index", async () => {
    await expectRefused(await postLog([valid, "just a string"]), 400, "invalid_entry", /entries\[1\]/);
  });

  it("empty array → 400 empty_batch", async () => {
    await expectRefused(await postLog([]), 400, "empty_batch");
  });

  it(`more than ${INGEST_LIMITS.maxEntries} entries → 413 too_many_entries`, async () => {
    const batch = Array.from({ length: INGEST_LIMITS.maxEntries + 1 }, (_, i) => ({ message: `m${i}` }));
    await expectRefused(await postLog(batch), 413, "too_many_entries", /1000/);
  });

  it(`exactly ${INGEST_LIMITS.maxEntries} entries are accepted`, async () => {
    const batch = Array.from({ length: INGEST_LIMITS.maxEntries }, (_, i) => ({ message: `m${i}` }));
    const res = await postLog(batch);
    expect(res.status).toBe(201);
    expect(await logKeys()).toHaveLength(1);
  });

  it("an entry over 64 KiB serialized → 413 entry_too_large naming its index", async () => {
    const big = { message: "big", blob: "x".repeat(INGEST_LIMITS.maxEntryBytes) };
    const body = await expectRefused(await postLog([valid, big]), 413, "entry_too_large", /entries\[1\]/);
    expect(body.error.details).toMatchObject({ index: 1 });
  });

  it("an entry just under 64 KiB is accepted", async () => {
    const overhead = JSON.stringify({ message: "edge", blob: "" }).length;
    const entry = { message: "edge", blob: "x".repeat(INGEST_LIMITS.maxEntryBytes - overhead) };
    expect((await postLog(entry)).status).toBe(201);
  });

  it("a body over 1 MiB → 413 payload_too_large, even if every entry is small", async () => {
    const line = { message: "y".repeat(1100) };
    const batch = Array.from({ length: 1000 }, () => line); // ≈ 1.1 MB
    expect(JSON.stringify(batch).length).toBeGreaterThan(INGEST_LIMITS.maxBodyBytes);
    await expectRefused(await postLog(batch), 413, "payload_too_large");
  });

  it("a chunked body over 1 MiB without Content-Length → 413 payload_too_large", async () => {
    const chunk = new TextEncoder().encode(`[${'{"message":"z"},'.repeat(4096)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Never-ending array: the server must stop reading at the limit.
        controller.enqueue(chunk);
        sent += chunk.byteLength;
        if (sent > 4 * INGEST_LIMITS.maxBodyBytes) controller.close();
      },
    });
    const res = await exports.default.fetch("https://log-worker.test/log", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
      body: stream,
    });
    await expectRefused(res, 413, "payload_too_large");
  });

  it("invalid UTF-8 → 400 invalid_json", async () => {
    const res = await exports.default.fetch("https://log-worker.test/log", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    await expectRefused(res, 400, "invalid_json");
  });
});
