/**
 * Reading an OTLP/HTTP request body: its encoding (JSON or protobuf), its
 * compression (none or gzip), and the body limit applied to the decompressed
 * bytes, so a small gzip "bomb" is refused once it inflates past the limit,
 * without inflating the rest. (Hono's bodyLimit, which POST /log uses, counts
 * the bytes on the wire only, hence this reader.)
 */
import { ApiError } from "../http/errors";

/** The two OTLP/HTTP encodings; answers use the request's. */
export type OtlpEncoding = "json" | "protobuf";

/** The encoding named by a Content-Type header, or null when OTLP has no such encoding. */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? "").split(";", 1)[0]?.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  return null;
}

function tooLarge(maxBytes: number, what: string): ApiError {
  return new ApiError(
    413,
    "payload_too_large",
    `The ${what} is larger than ${maxBytes} bytes; export smaller batches (the SDK's maxExportBatchSize, the Collector's batch processor send_batch_max_size).`,
  );
}

/** Reads a stream to its end, refusing it (and cancelling the rest) past `maxBytes`. */
async function readAll(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Cancelling the decompressed side also cancels the compressed body
      // upstream: nothing past the limit is read or inflated.
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes, what);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * The request body's bytes after `Content-Encoding` is undone: at most
 * `maxBytes` of compressed input and at most `maxBytes` once decompressed.
 * Throws ApiError 413 past either, 415 for an encoding other than gzip, and
 * 400 for bytes that are not valid gzip.
 */
export async function readOtlpBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const contentEncoding = (request.headers.get("Content-Encoding") ?? "").trim().toLowerCase();
  const gzip = contentEncoding === "gzip" || contentEncoding === "x-gzip";
  if (!gzip && contentEncoding !== "" && contentEncoding !== "identity") {
    throw new ApiError(
      415,
      "unsupported_encoding",
      "Content-Encoding must be gzip or absent (the OTLP exporters' compression: gzip or none).",
    );
  }
  const length = request.headers.get("Content-Length");
  const declared = length !== null && /^\d+$/.test(length.trim()) ? Number(length) : null;
  if (declared !== null && declared > maxBytes) throw tooLarge(maxBytes, "body");
  if (!request.body) return new Uint8Array(0);
  if (!gzip) {
    // The runtime delivers exactly the declared length, so read it whole: chunk
    // by chunk cost a fifth of an OTLP request's CPU (profiled). Chunked: count.
    if (declared === null) return readAll(request.body, maxBytes, "body");
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > maxBytes) throw tooLarge(maxBytes, "body");
    return body;
  }

  return inflateLimited(request.body, maxBytes);
}

/** Compressed bytes handed to the decompressor at a time. */
const INFLATE_SLICE_BYTES = 16 * 1024;

/**
 * Gunzips `body` while reading the output, at most `maxBytes` of each side.
 * The input is written to the decompressor only as its output is read (each
 * write waits for the one before), so once the output passes the cap the rest
 * of the body is neither read nor inflated: a bomb costs about the cap.
 */
export async function inflateLimited(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  inflate: ReadableWritablePair<Uint8Array, Uint8Array> = new DecompressionStream(
    "gzip",
  ) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
): Promise<Uint8Array> {
  const writer = inflate.writable.getWriter();
  const input = body.getReader();
  let stopped = false;
  let pumpError: unknown;
  const pump = (async () => {
    // Compressed input is capped too: deflate can spend input producing no
    // output (empty stored blocks), which the decompressed cap alone would not stop.
    let seen = 0;
    for (;;) {
      const { done, value } = await input.read();
      if (done || stopped) break;
      seen += value.byteLength;
      if (seen > maxBytes) throw tooLarge(maxBytes, "compressed body");
      for (let i = 0; i < value.byteLength && !stopped; i += INFLATE_SLICE_BYTES) {
        await writer.write(value.subarray(i, i + INFLATE_SLICE_BYTES));
      }
    }
    if (!stopped) await writer.close();
  })().catch(async (err: unknown) => {
    pumpError = err;
    await writer.abort(err).catch(() => {});
  });
  try {
    const out = await readAll(inflate.readable, maxBytes, "decompressed body");
    await pump;
    if (pumpError !== undefined) throw pumpError;
    return out;
  } catch (err) {
    stopped = true;
    await input.cancel().catch(() => {});
    await pump;
    if (pumpError instanceof ApiError) throw pumpError;
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "invalid_gzip", "The body is not valid gzip (Content-Encoding: gzip).", {
      cause: err,
    });
  }
}
