/** POST /log with `Content-Type: application/x-ndjson`: one entry per line, the limits of an array, errors naming lines. */
import { INGEST_LIMITS } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { json, logKeys, postLog, resetStorage, storedEntries } from "./helpers";

beforeEach(resetStorage);

const NDJSON = "application/x-ndjson";
type ErrorBody = { error: { code: string; message: string; details?: unknown } };

describe("POST /log with NDJSON", () => {
  it("stores one entry per line as one batch; blank lines and the trailing newline are fine", async () => {
    const body = [
      '{"level":"warn","message":"first","service":"vector"}',
      "",
      '{"message":"second","n":2}\r',
      "   ",
      '{"message":"third","timestamp":"2026-11-30T10:00:00Z","nested":{"a":[1]}}',
      "",
    ].join("\n");
    const res = await postLog(body, { contentType: NDJSON });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ accepted: 3 });
    expect(await logKeys()).toHaveLength(1);
    const entries = await storedEntries();
    expect(entries.map((e) => e.message)).toEqual(["first", "second", "third"]);
    expect(entries[0]).toMatchObject({ level: "warn", service: "vector" });
    expect(entries[1]).toMatchObject({ level: "info", n: 2 });
    expect(entries[2]).toMatchObject({ timestamp: "2026-11-30T10:00:00.000Z", nested: { a: [1] } });
    expect(new Set(entries.map((e) => e.id)).size).toBe(3);
  });

  it("accepts a charset parameter and a body without a trailing newline", async () => {
    const res = await postLog('{"message":"only"}', { contentType: "application/x-ndjson; charset=utf-8" });
    expect(res.status).toBe(201);
    expect((await storedEntries()).map((e) => e.message)).toEqual(["only"]);
  });

  it("names the line of an invalid entry, counting blank lines, and stores nothing", async () => {
    const res = await postLog('{"message":"ok"}\n\n{"message":""}\n{"message":"ok"}\n', {
      contentType: NDJSON,
    });
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe("invalid_entry");
    expect(body.error.message).toBe("line 3: message: must be a non-empty string");
    expect(await logKeys()).toEqual([]);
  });

  it("names the line that is not JSON, without quoting it", async () => {
    const res = await postLog('{"message":"ok"}\n{"message":"secret-token-123\n', { contentType: NDJSON });
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error).toMatchObject({ code: "invalid_json", message: expect.stringMatching(/^line 2: /) });
    expect(JSON.stringify(body)).not.toContain("secret-token");
    expect(await logKeys()).toEqual([]);
  });

  it("names the line of a value that is not an entry object and of a bad timestamp", async () => {
    const notObject = await postLog('{"message":"ok"}\n[1,2]\n', { contentType: NDJSON });
    expect(notObject.status).toBe(400);
    expect((await json<ErrorBody>(notObject)).error.message).toMatch(/^line 2: /);
    const badTime = await postLog('{"message":"ok","timestamp":"yesterday"}\n', { contentType: NDJSON });
    expect(badTime.status).toBe(400);
    expect((await json<ErrorBody>(badTime)).error.message).toMatch(/^line 1: timestamp: /);
  });

  it("refuses a body with no entries", async () => {
    const res = await postLog("\n\n", { contentType: NDJSON });
    expect(res.status).toBe(400);
    expect((await json<ErrorBody>(res)).error.code).toBe("empty_batch");
  });

  it("applies the limits of an array: 1,000 entries, 64 KiB an entry (naming the line), 1 MiB a body", async () => {
    const line = '{"message":"m"}';
    const tooMany = await postLog(
      Array(INGEST_LIMITS.maxEntries + 1)
        .fill(line)
        .join("\n"),
      { contentType: NDJSON },
    );
    expect(tooMany.status).toBe(413);
    expect((await json<ErrorBody>(tooMany)).error.code).toBe("too_many_entries");

    const exactly = await postLog(Array(INGEST_LIMITS.maxEntries).fill(line).join("\n"), {
      contentType: NDJSON,
    });
    expect(exactly.status).toBe(201);
    await resetStorage();

    const big = JSON.stringify({ message: "big", pad: "x".repeat(INGEST_LIMITS.maxEntryBytes) });
    const tooLarge = await postLog(`${line}\n${line}\n${big}\n`, { contentType: NDJSON });
    expect(tooLarge.status).toBe(413);
    const error = (await json<ErrorBody>(tooLarge)).error;
    expect(error.code).toBe("entry_too_large");
    expect(error.message).toMatch(/^line 3 is \d+ bytes/);

    const huge = Array.from({ length: 20 }, () => JSON.stringify({ message: "p".repeat(60_000) })).join("\n");
    const bodyTooLarge = await postLog(huge, { contentType: NDJSON });
    expect(bodyTooLarge.status).toBe(413);
    expect((await json<ErrorBody>(bodyTooLarge)).error.code).toBe("payload_too_large");
    expect(await logKeys()).toEqual([]);
  });

  it("honours Idempotency-Key like a JSON body", async () => {
    const body = '{"message":"a"}\n{"message":"b"}\n';
    const headers = { "Idempotency-Key": "ndjson-batch-0001" };
    const first = await json<{ key: string }>(await postLog(body, { contentType: NDJSON, headers }));
    const again = await json<{ key: string }>(await postLog(body, { contentType: NDJSON, headers }));
    expect(again.key).toBe(first.key);
    expect(await storedEntries()).toHaveLength(2);
  });
});
