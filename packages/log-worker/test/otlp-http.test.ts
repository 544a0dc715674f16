/**
 * POST /v1/logs as an OTLP/HTTP endpoint: encodings, gzip, limits (a gzip bomb
 * included), malformed bodies, partial success, storage failures, auth.
 */
import { env } from "cloudflare:workers";
import { INGEST_LIMITS } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { inflateLimited } from "../src/otlp/body";
import { parseBatch } from "../src/store/batches";
import { wrapBinding } from "./archive-helpers";
import {
  adminGet,
  INGEST_KEY,
  INGEST_KEY_NAME,
  json,
  logKeys,
  READ_KEY,
  resetStorage,
  storedEntries,
} from "./helpers";
import {
  decodeProtobufResponse,
  decodeStatus,
  encodeProtobuf,
  gzip,
  otlpRequest,
  postOtlp,
} from "./otlp-helpers";

beforeEach(resetStorage);

const records = (n: number, prefix = "r") =>
  Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(1_764_500_000_000_000_000 + i * 1_000_000),
    severityNumber: 9,
    body: { stringValue: `${prefix}${i}` },
  }));

type JsonError = { code: number; message: string; error: { code: string; message: string } };

describe("encodings", () => {
  it("JSON: 200 with an empty ExportLogsServiceResponse as JSON, one KV batch", async () => {
    const res = await postOtlp(otlpRequest(records(3)));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({});
    expect(await logKeys()).toHaveLength(1);
    expect((await storedEntries()).map((e) => e.message)).toEqual(["r0", "r1", "r2"]);
  });

  it("protobuf: 200 with an ExportLogsServiceResponse as protobuf, one KV batch", async () => {
    const res = await postOtlp(encodeProtobuf(otlpRequest(records(3))));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-protobuf");
    const response = decodeProtobufResponse(new Uint8Array(await res.arrayBuffer()));
    expect(response.partialSuccess ?? null).toBeNull();
    expect(await logKeys()).toHaveLength(1);
    expect((await storedEntries()).map((e) => e.message)).toEqual(["r0", "r1", "r2"]);
  });

  it("JSON with Content-Encoding: gzip", async () => {
    const res = await postOtlp(await gzip(JSON.stringify(otlpRequest(records(2)))), {
      contentType: "application/json",
      encoding: "gzip",
    });
    expect(res.status).toBe(200);
    expect((await storedEntries()).map((e) => e.message)).toEqual(["r0", "r1"]);
  });

  it("protobuf with Content-Encoding: gzip", async () => {
    const res = await postOtlp(await gzip(encodeProtobuf(otlpRequest(records(2)))), { encoding: "gzip" });
    expect(res.status).toBe(200);
    expect((await storedEntries()).map((e) => e.message)).toEqual(["r0", "r1"]);
  });

  it("an empty request stores nothing and succeeds", async () => {
    const res = await postOtlp({ resourceLogs: [] });
    expect(res.status).toBe(200);
    expect(await logKeys()).toEqual([]);
    const proto = await postOtlp(new Uint8Array(0));
    expect(proto.status).toBe(200);
  });

  it("refuses other content types and encodings with 415", async () => {
    const text = await postOtlp("{}", { contentType: "text/plain" });
    expect(text.status).toBe(415);
    expect(await json<JsonError>(text)).toMatchObject({ code: 3, error: { code: "unsupported_media_type" } });
    const brotli = await postOtlp(encodeProtobuf(otlpRequest(records(1))), { encoding: "br" });
    expect(brotli.status).toBe(415);
    expect(decodeStatus(new Uint8Array(await brotli.arrayBuffer())).message).toContain("gzip");
    expect(await logKeys()).toEqual([]);
  });
});

describe("limits", () => {
  it("refuses a body over 1 MiB with 413, storing nothing", async () => {
    const big = otlpRequest([{ body: { stringValue: "x".repeat(INGEST_LIMITS.maxBodyBytes) } }]);
    const res = await postOtlp(big);
    expect(res.status).toBe(413);
    expect(await json<JsonError>(res)).toMatchObject({ code: 8, error: { code: "payload_too_large" } });
    expect(await logKeys()).toEqual([]);
  });

  it("counts a body sent without Content-Length (chunked): stored under 1 MiB, 413 over it", async () => {
    // A stream of unknown length (a Blob's stream would carry its size as Content-Length).
    const chunked = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      let offset = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.byteLength) return controller.close();
          controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
          offset += 64 * 1024;
        },
      });
    };
    const small = JSON.stringify(otlpRequest([{ body: { stringValue: "streamed" } }]));
    const ok = await postOtlp(chunked(small), { contentType: "application/json" });
    expect(ok.status).toBe(200);
    expect((await storedEntries()).map((e) => e.message)).toEqual(["streamed"]);

    await resetStorage();
    const big = JSON.stringify(
      otlpRequest([{ body: { stringValue: "x".repeat(INGEST_LIMITS.maxBodyBytes) } }]),
    );
    const res = await postOtlp(chunked(big), { contentType: "application/json" });
    expect(res.status).toBe(413);
    expect(await logKeys()).toEqual([]);
  });

  it("applies the limit after decompression: a small gzip body that inflates past 1 MiB is refused", async () => {
    const body = JSON.stringify(otlpRequest([{ body: { stringValue: " ".repeat(2 * 1024 * 1024) } }]));
    const compressed = await gzip(body);
    expect(compressed.byteLength).toBeLessThan(INGEST_LIMITS.maxBodyBytes / 100);
    const res = await postOtlp(compressed, { contentType: "application/json", encoding: "gzip" });
    expect(res.status).toBe(413);
    expect((await json<JsonError>(res)).error.message).toContain("decompressed body");
    expect(await logKeys()).toEqual([]);
  });

  it("refuses a gzip bomb (16 MiB of zeros in 16 KiB) with 413, storing nothing", async () => {
    const bomb = await gzip(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.byteLength).toBeLessThan(32 * 1024);
    const res = await postOtlp(bomb, { encoding: "gzip" });
    expect(res.status).toBe(413);
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer()))).toMatchObject({ code: 8 });
    expect(await logKeys()).toEqual([]);
  });

  it("stops inflating a gzip bomb at the cap instead of inflating all of it", async () => {
    const bomb = await gzip(new Uint8Array(16 * 1024 * 1024));
    // The real DecompressionStream, with a counter on the bytes it produced.
    const gunzip = new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
    let inflated = 0;
    const counted = {
      writable: gunzip.writable,
      readable: gunzip.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            inflated += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      ),
    };
    await expect(
      inflateLimited(
        new Blob([bomb as Uint8Array<ArrayBuffer>]).stream(),
        INGEST_LIMITS.maxBodyBytes,
        counted,
      ),
    ).rejects.toMatchObject({ status: 413, message: expect.stringContaining("decompressed body") });
    // The cap plus what the stream queues held when the reader stopped, not 16 MiB.
    expect(inflated).toBeLessThan(2 * INGEST_LIMITS.maxBodyBytes);
  });

  it("splits a request over 1,000 records into batches of at most 1,000", async () => {
    const res = await postOtlp(encodeProtobuf(otlpRequest(records(2500))));
    expect(res.status).toBe(200);
    const keys = await logKeys();
    expect(keys).toHaveLength(3);
    const sizes = await Promise.all(
      keys.map(async (k) => parseBatch(k, (await env.log_state.get(k, "text")) ?? "[]").length),
    );
    expect(sizes.sort((a, b) => a - b)).toEqual([500, 1000, 1000]);
    const messages = new Set((await storedEntries()).map((e) => e.message));
    expect(messages.size).toBe(2500);
  });
});

describe("malformed bodies", () => {
  it("answers 400 with a JSON Status for JSON that does not parse", async () => {
    const res = await postOtlp('{"resourceLogs": [', { contentType: "application/json" });
    expect(res.status).toBe(400);
    expect(await json<JsonError>(res)).toMatchObject({ code: 3, error: { code: "invalid_json" } });
  });

  it("answers 400 naming the path when the JSON is not an ExportLogsServiceRequest", async () => {
    const res = await postOtlp({ resourceLogs: [{ scopeLogs: "nope" }] });
    expect(res.status).toBe(400);
    expect((await json<JsonError>(res)).error).toEqual({
      code: "invalid_otlp",
      message: "resourceLogs[0].scopeLogs: must be an array.",
    });
    const notObject = await postOtlp("[1,2]", { contentType: "application/json" });
    expect(notObject.status).toBe(400);
  });

  it("answers 400 with a protobuf google.rpc.Status for bytes that are not protobuf", async () => {
    const res = await postOtlp(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/x-protobuf");
    const status = decodeStatus(new Uint8Array(await res.arrayBuffer()));
    expect(status.code).toBe(3);
    expect(status.message).toContain("not a protobuf ExportLogsServiceRequest");
  });

  it("answers 400 for a body that is not gzip under Content-Encoding: gzip", async () => {
    const res = await postOtlp(encodeProtobuf(otlpRequest(records(1))), { encoding: "gzip" });
    expect(res.status).toBe(400);
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer())).message).toContain("not valid gzip");
    const truncated = (await gzip(JSON.stringify(otlpRequest(records(5))))).slice(0, 30);
    const res2 = await postOtlp(truncated, { contentType: "application/json", encoding: "gzip" });
    expect(res2.status).toBe(400);
    expect((await json<JsonError>(res2)).error.code).toBe("invalid_gzip");
    expect(await logKeys()).toEqual([]);
  });
});

describe("partial success", () => {
  const mixed = () =>
    otlpRequest([
      { body: { stringValue: "kept 1" } },
      { body: { stringValue: "bad time" }, timeUnixNano: "soon" },
      { body: { stringValue: "kept 2" } },
      { body: { stringValue: "bad span" }, spanId: "xyz" },
    ]);

  it("JSON: stores the valid records and names the rejected ones", async () => {
    const res = await postOtlp(mixed());
    expect(res.status).toBe(200);
    const body = await json<{ partialSuccess: { rejectedLogRecords: number; errorMessage: string } }>(res);
    expect(body.partialSuccess.rejectedLogRecords).toBe(2);
    expect(body.partialSuccess.errorMessage).toMatch(
      /^2 log records rejected: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]: timeUnixNano .*; resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[3\]: spanId must be 8 bytes/,
    );
    expect((await storedEntries()).map((e) => e.message)).toEqual(["kept 1", "kept 2"]);
  });

  it("protobuf: the same partialSuccess, protobuf-encoded", async () => {
    const request = mixed();
    // In protobuf the bad time cannot be expressed; use a 3-byte span id for the second rejection.
    const first = (request.resourceLogs[0] as { scopeLogs: { logRecords: Record<string, unknown>[] }[] })
      .scopeLogs[0]?.logRecords;
    if (!first?.[1] || !first[3]) throw new Error("fixture");
    first[1].timeUnixNano = 0;
    first[1].traceId = new Uint8Array([1, 2, 3]);
    first[3].spanId = new Uint8Array([1, 2, 3]);
    const res = await postOtlp(encodeProtobuf(request));
    expect(res.status).toBe(200);
    const { partialSuccess } = decodeProtobufResponse(new Uint8Array(await res.arrayBuffer()));
    expect(Number(partialSuccess?.rejectedLogRecords)).toBe(2);
    expect(partialSuccess?.errorMessage).toContain("logRecords[1]: traceId must be 16 bytes");
    expect((await storedEntries()).map((e) => e.message)).toEqual(["kept 1", "kept 2"]);
  });

  it("all records rejected: 200 with every record named, nothing stored", async () => {
    const res = await postOtlp(otlpRequest([{ body: { stringValue: "x" }, timeUnixNano: -5 }]));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ partialSuccess: { rejectedLogRecords: 1 } });
    expect(await logKeys()).toEqual([]);
  });

  it("names the first ten rejected records and counts the rest", async () => {
    const bad = Array.from({ length: 13 }, () => ({ body: { stringValue: "x" }, traceId: "short" }));
    const body = await json<{ partialSuccess: { errorMessage: string } }>(await postOtlp(otlpRequest(bad)));
    expect(body.partialSuccess.errorMessage).toContain("logRecords[9]: traceId");
    expect(body.partialSuccess.errorMessage).not.toContain("logRecords[10]");
    expect(body.partialSuccess.errorMessage).toMatch(/; and 3 more$/);
  });
});

describe("storage failures", () => {
  const failingEnv = () => ({
    ...env,
    log_state: wrapBinding(env.log_state, {
      put: () => Promise.reject(new Error("KV PUT failed: 503 Service Unavailable")),
    }).binding,
  });

  it("JSON: 503 with Retry-After and a JSON Status, nothing stored", async () => {
    const res = await postOtlp(otlpRequest(records(3)), { env: failingEnv() });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await json<JsonError>(res)).toMatchObject({ code: 14, error: { code: "storage_unavailable" } });
    expect(await logKeys()).toEqual([]);
  });

  it("protobuf: 503 with Retry-After and a protobuf Status (UNAVAILABLE), nothing stored", async () => {
    const res = await postOtlp(encodeProtobuf(otlpRequest(records(3))), { env: failingEnv() });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer())).code).toBe(14);
    expect(await logKeys()).toEqual([]);
  });
});

describe("a request split into several batches", () => {
  it("retried after a storage failure halfway, stores each record once", async () => {
    const body = encodeProtobuf(otlpRequest(records(2500)));
    let puts = 0;
    const secondPutFails = {
      ...env,
      log_state: wrapBinding(env.log_state, {
        put: (real, ...args) =>
          ++puts === 2
            ? Promise.reject(new Error("KV PUT failed: 503"))
            : (real as (...a: unknown[]) => Promise<void>)(...args),
      }).binding,
    };
    const failed = await postOtlp(body, { env: secondPutFails });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("Retry-After")).not.toBeNull();
    expect((await logKeys()).length).toBe(2);

    // The exporter retries the same body: the batches that made it are not stored again.
    const retried = await postOtlp(body);
    expect(retried.status).toBe(200);
    const messages = (await storedEntries()).map((e) => e.message);
    expect(messages).toHaveLength(2500);
    expect(new Set(messages).size).toBe(2500);
  });
});

describe("routing and auth", () => {
  it("needs the API key", async () => {
    const missing = await postOtlp(otlpRequest(records(1)), { key: null });
    expect(missing.status).toBe(401);
    const wrong = await postOtlp(otlpRequest(records(1)), { key: "nope" });
    expect(wrong.status).toBe(401);
    expect(await logKeys()).toEqual([]);
  });

  it("takes an ingest-scoped key and marks its entries with the key's name; a read key is refused", async () => {
    const res = await postOtlp(otlpRequest(records(2)), { key: INGEST_KEY });
    expect(res.status).toBe(200);
    expect((await storedEntries()).map((e) => e.ingestKey)).toEqual([INGEST_KEY_NAME, INGEST_KEY_NAME]);
    const read = await postOtlp(otlpRequest(records(1)), { key: READ_KEY });
    expect(read.status).toBe(403);
    expect(await storedEntries()).toHaveLength(2);
  });

  it("answers 405 with Allow: POST for other methods", async () => {
    const res = await adminGet("/v1/logs");
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("POST");
  });
});
