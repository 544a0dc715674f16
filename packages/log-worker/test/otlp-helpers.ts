/**
 * Building OTLP requests for tests: JSON bodies as OTLP/JSON, protobuf bodies
 * encoded with the official generated messages, gzip through CompressionStream.
 */
import { createExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import root from "@opentelemetry/otlp-transformer/build/esm/generated/root.js";
import protobuf from "protobufjs/minimal.js";
import { app } from "../src/app";
import { API_KEY } from "./helpers";

interface MessageType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): Record<string, unknown>;
}
const logsV1 = (
  root as unknown as {
    opentelemetry: { proto: { collector: { logs: { v1: Record<string, MessageType> } } } };
  }
).opentelemetry.proto.collector.logs.v1;

/** An ExportLogsServiceRequest as protobuf bytes (ids as Uint8Array, times as numbers or Long). */
export function encodeProtobuf(request: unknown): Uint8Array {
  return (logsV1.ExportLogsServiceRequest as MessageType).encode(request).finish();
}

/** An ExportLogsServiceResponse read back from protobuf bytes. */
export function decodeProtobufResponse(bytes: Uint8Array): {
  partialSuccess?: { rejectedLogRecords: unknown; errorMessage: string } | null;
} {
  return (logsV1.ExportLogsServiceResponse as MessageType).decode(bytes);
}

/** A google.rpc.Status read back from protobuf bytes (code = 1, message = 2). */
export function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const reader = protobuf.Reader.create(bytes);
  const status = { code: 0, message: "" };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) status.code = reader.int32();
    else if (tag >>> 3 === 2) status.message = reader.string();
    else reader.skipType(tag & 7);
  }
  return status;
}

export async function gzip(bytes: Uint8Array | string): Promise<Uint8Array> {
  const input = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const stream = new Blob([input as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface OtlpPostOptions {
  contentType?: string;
  encoding?: string;
  key?: string | null;
  /** Another env (e.g. with a wrapped KV binding): the request goes to `app.fetch` with it. */
  env?: Env;
}

/** POST /v1/logs with the API key. A string or plain object body is sent as JSON. */
export function postOtlp(
  body: Uint8Array | string | ReadableStream<Uint8Array> | object,
  options: OtlpPostOptions = {},
): Promise<Response> {
  const protobufBody = body instanceof Uint8Array || body instanceof ReadableStream;
  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? (protobufBody ? "application/x-protobuf" : "application/json"),
  };
  if (options.key !== null) headers["X-API-Key"] = options.key ?? API_KEY;
  if (options.encoding) headers["Content-Encoding"] = options.encoding;
  const payload =
    protobufBody || typeof body === "string" ? (body as BodyInit) : JSON.stringify(body as object);
  const request = new Request("https://log-worker.test/v1/logs", { method: "POST", headers, body: payload });
  if (options.env) {
    return Promise.resolve(app.fetch(request, options.env, createExecutionContext()));
  }
  return exports.default.fetch(request);
}

/** One resource with one scope holding `records` (OTLP/JSON field names). */
export function otlpRequest(
  records: unknown[],
  resource: unknown[] = [{ key: "service.name", value: { stringValue: "checkout" } }],
  scope: unknown = { name: "app.logger", version: "1.2.3" },
): { resourceLogs: unknown[] } {
  return {
    resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope, logRecords: records }] }],
  };
}
