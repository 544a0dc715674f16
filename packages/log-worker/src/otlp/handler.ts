/**
 * `POST /v1/logs`: OTLP/HTTP logs (JSON or protobuf, optionally gzip) stored
 * through the ingest core, answered the way the OTLP specification says:
 * `200` with an `ExportLogsServiceResponse` in the request's encoding
 * (`partialSuccess` names rejected records), and for failures the status with
 * a `google.rpc.Status` body (protobuf for protobuf requests; for JSON requests
 * the Status fields next to this service's usual `error` object).
 */
import { INGEST_LIMITS } from "@log-service/client/schema";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { type IngestOptions, ingestEntries } from "../ingest/core";
import { chunkBySize } from "../store/batches";
import { type OtlpEncoding, otlpEncoding, readOtlpBody } from "./body";
import { type MappedEntry, mapLogs, recordPath } from "./map";
import { decodeLogsRequest, encodeLogsResponse, encodeStatus } from "./protobuf";

/**
 * What the resource and scope attributes repeated on each entry may add to one
 * stored batch. With the record fields (at most ~6× the 1 MiB body, when every
 * character needs escaping) a batch stays well under KV's 25 MiB value limit.
 */
const BATCH_SHARED_BYTES_MAX = 12 * 1024 * 1024;

/** How many rejected records `partialSuccess.errorMessage` names one by one. */
const NAMED_REJECTIONS = 10;

/** google.rpc.Code for an HTTP status (the mapping gRPC gateways use). */
function grpcCode(status: number): number {
  switch (status) {
    case 400:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return status >= 500 ? 13 : 2; // INTERNAL : UNKNOWN
  }
}

/** Splits entries into the fewest batches within 1,000 entries and the shared-bytes budget. */
function batches(entries: readonly MappedEntry[]): MappedEntry[][] {
  return chunkBySize(entries, INGEST_LIMITS.maxEntries, BATCH_SHARED_BYTES_MAX, (m) => m.sharedBytes);
}

const encoder = new TextEncoder();

/**
 * Stores one batch through the ingest core. The batch's JSON is built and
 * encoded once here and handed over as the source text, which the core stores
 * as it is; the mapping already held each entry to the per-entry size and
 * depth limits, so the core does not check them again. Errors name records by their OTLP path.
 */
function ingestBatch(env: Env, batch: readonly MappedEntry[], options: IngestOptions) {
  const entries = batch.map((m) => m.entry);
  const json = JSON.stringify(entries);
  const utf8 = encoder.encode(json);
  return ingestEntries(env, entries, options, {
    json,
    bytes: utf8.byteLength,
    utf8,
    limitsChecked: true,
    label: (index) => recordPath(batch[index]?.at ?? [0, 0, index]),
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Stores the entries: one KV batch, or several when the limits require. Split
 * batches get idempotency keys derived from the body, so the exporter's retry
 * of a request that failed halfway stores the batches that made it only once.
 */
async function store(
  env: Env,
  entries: readonly MappedEntry[],
  body: Uint8Array,
  fields: Record<string, unknown> | undefined,
): Promise<void> {
  const parts = batches(entries);
  if (parts.length === 1 && parts[0]) {
    await ingestBatch(env, parts[0], fields ? { fields } : {});
    return;
  }
  const digest = (await sha256Hex(body)).slice(0, 40);
  const results = await Promise.allSettled(
    parts.map((part, i) => {
      const options: IngestOptions = { idempotencyKey: `otlp-${digest}-${i}` };
      if (fields) options.fields = fields;
      return ingestBatch(env, part, options);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (err) {
    throw new ApiError(
      400,
      "invalid_json",
      "The body is not valid UTF-8 JSON (Content-Type: application/json).",
      {
        cause: err,
      },
    );
  }
}

async function decodeProtobuf(bytes: Uint8Array): Promise<unknown> {
  try {
    return await decodeLogsRequest(bytes);
  } catch (err) {
    throw new ApiError(
      400,
      "invalid_protobuf",
      "The body is not a protobuf ExportLogsServiceRequest (Content-Type: application/x-protobuf).",
      { cause: err },
    );
  }
}

function rejectionMessage(rejected: readonly string[]): string {
  const named = rejected.slice(0, NAMED_REJECTIONS).join("; ");
  const more = rejected.length > NAMED_REJECTIONS ? `; and ${rejected.length - NAMED_REJECTIONS} more` : "";
  return `${rejected.length} log record${rejected.length === 1 ? "" : "s"} rejected: ${named}${more}`;
}

async function errorResponse(
  c: Context<AppEnv>,
  encoding: OtlpEncoding | null,
  err: ApiError,
): Promise<Response> {
  const code = grpcCode(err.status);
  if (encoding === "protobuf") {
    const status = await encodeStatus(code, err.message);
    return c.body(status, err.status, { ...err.headers, "Content-Type": "application/x-protobuf" });
  }
  const error =
    err.details === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, details: err.details };
  return c.json({ code, message: err.message, error }, err.status as ContentfulStatusCode, err.headers);
}

/** Handler of `POST /v1/logs`. */
export async function handleOtlpLogs(c: Context<AppEnv>): Promise<Response> {
  const encoding = otlpEncoding(c.req.header("Content-Type"));
  try {
    if (!encoding) {
      throw new ApiError(
        415,
        "unsupported_media_type",
        "Send OTLP logs as application/x-protobuf or application/json (the exporters' http/protobuf or http/json protocol).",
      );
    }
    const body = await readOtlpBody(c.req.raw, INGEST_LIMITS.maxBodyBytes);
    const request = encoding === "json" ? parseJson(body) : await decodeProtobuf(body);
    const { entries, rejected } = mapLogs(request);
    if (entries.length > 0) {
      // A named ingest key marks what it sent (docs/keys.md), as on POST /log.
      const keyName = c.get("keyName");
      await store(c.env, entries, body, keyName === undefined ? undefined : { ingestKey: keyName });
    }
    const partialSuccess =
      rejected.length > 0
        ? { rejectedLogRecords: rejected.length, errorMessage: rejectionMessage(rejected) }
        : undefined;
    if (encoding === "protobuf") {
      return c.body(await encodeLogsResponse(partialSuccess), 200, {
        "Content-Type": "application/x-protobuf",
      });
    }
    return c.json(partialSuccess ? { partialSuccess } : {}, 200);
  } catch (err) {
    if (err instanceof ApiError) return errorResponse(c, encoding, err);
    throw err;
  }
}
