/**
 * The protobuf encoding of OTLP logs, through protobufjs and the official
 * OpenTelemetry message definitions.
 *
 * The message code is the static module the OpenTelemetry JS maintainers
 * generated with protobufjs's `pbjs -t static-module` from the official
 * opentelemetry-proto files (`@opentelemetry/otlp-transformer@0.214.0`, the
 * last release that ships it; later releases replaced protobufjs with an
 * encoder that cannot decode requests). Static code matters here: protobufjs's
 * reflection API compiles decoders with `new Function`, which Workers forbid.
 *
 * The module covers every signal (~850 KB of source), so it is imported on the
 * first protobuf request, not when the worker starts.
 */
import type { ExportLogsRequest } from "./map";

interface MessageType {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown, writer: ProtobufWriter): ProtobufWriter;
}

interface Codec {
  request: MessageType;
  response: MessageType;
  /** protobufjs's Writer, for `google.rpc.Status` (not part of the OTLP definitions). */
  newWriter(): ProtobufWriter;
}

interface ProtobufWriter {
  uint32(value: number): ProtobufWriter;
  int32(value: number): ProtobufWriter;
  string(value: string): ProtobufWriter;
  finish(): Uint8Array<ArrayBuffer>;
}

let codec: Promise<Codec> | undefined;

async function loadCodec(): Promise<Codec> {
  // protobufjs/minimal requires `long`, so 64-bit integers (nanosecond times,
  // int attributes) decode exactly, as Long objects.
  const [{ default: protobuf }, { default: root }] = await Promise.all([
    import("protobufjs/minimal.js"),
    import("@opentelemetry/otlp-transformer/build/esm/generated/root.js"),
  ]);
  const logs = (
    root as unknown as {
      opentelemetry: { proto: { collector: { logs: { v1: Record<string, MessageType | undefined> } } } };
    }
  ).opentelemetry.proto.collector.logs.v1;
  // Strings through the runtime's decoder rather than protobufjs's UTF-8 reader
  // written in JavaScript (an eighth of a protobuf request's CPU, profiled).
  // The same text for valid UTF-8 (invalid bytes become U+FFFD); a byte order
  // mark is kept, as protobufjs does.
  const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  const reader = protobuf.Reader.prototype as unknown as { bytes(): Uint8Array; string(): string };
  reader.string = function string(this: typeof reader) {
    return utf8.decode(this.bytes());
  };
  const request = logs.ExportLogsServiceRequest;
  const response = logs.ExportLogsServiceResponse;
  if (!request || !response) throw new Error("OTLP logs messages missing from the generated module");
  // The plain Writer, not Writer.create(): with nodejs_compat protobufjs picks a
  // Buffer-based writer whose utf8Write call workerd's Buffer does not accept.
  return { request, response, newWriter: () => new protobuf.Writer() as unknown as ProtobufWriter };
}

function getCodec(): Promise<Codec> {
  codec ??= loadCodec().catch((err: unknown) => {
    codec = undefined;
    throw err;
  });
  return codec;
}

/** Decodes an `ExportLogsServiceRequest`; throws on bytes that are not one. */
export async function decodeLogsRequest(bytes: Uint8Array): Promise<ExportLogsRequest> {
  const { request } = await getCodec();
  return request.decode(bytes) as ExportLogsRequest;
}

/** Encodes an `ExportLogsServiceResponse` (empty when everything was accepted). */
export async function encodeLogsResponse(partialSuccess?: {
  rejectedLogRecords: number;
  errorMessage: string;
}): Promise<Uint8Array<ArrayBuffer>> {
  const { response, newWriter } = await getCodec();
  return response.encode(partialSuccess ? { partialSuccess } : {}, newWriter()).finish();
}

/**
 * Encodes a `google.rpc.Status` { int32 code = 1; string message = 2; }, the
 * body of every OTLP/HTTP error answer to a protobuf request.
 */
export async function encodeStatus(code: number, message: string): Promise<Uint8Array<ArrayBuffer>> {
  const writer = (await getCodec()).newWriter();
  // Field 1, varint (tag 8); field 2, length-delimited (tag 18).
  return writer.uint32(8).int32(code).uint32(18).string(message).finish();
}
