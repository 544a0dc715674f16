/**
 * `POST /log`: read, check and store one batch, all or nothing. The body is
 * JSON (one entry or an array) or NDJSON (one entry per line, ndjson.ts).
 *
 * The body limit is Hono's `bodyLimit` (app.ts), which also cuts off a chunked
 * body at the limit. Checks run cheapest first: content type, UTF-8, JSON, then
 * the entries (ingest/entries.ts). Error messages never quote the body: a
 * JSON.parse message would echo the bytes around the bad token, secrets included.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { ingestEntries, type SourceText } from "./core";
import { NDJSON_TYPE, parseNdjson } from "./ndjson";

const JSON_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;

/** Handler of `POST /log`, shared by the public app and the service-binding entrypoint. */
export async function handleIngest(c: Context<AppEnv>): Promise<Response> {
  const contentType = c.req.header("Content-Type") ?? "";
  const ndjson = NDJSON_TYPE.test(contentType);
  if (!ndjson && !JSON_TYPE.test(contentType)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the entries as JSON with Content-Type: application/json, or one per line with Content-Type: application/x-ndjson.",
    );
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "The body is not valid UTF-8 JSON.");
  }
  let body: unknown;
  // The decoder drops a leading byte order mark; the stored bytes must too (JSON has none).
  const utf8 = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  let source: SourceText = { json: text, bytes: bytes.byteLength, utf8 };
  if (ndjson) {
    const batch = parseNdjson(text);
    body = batch.entries;
    source = { json: batch.json, bytes: bytes.byteLength, label: (i) => `line ${batch.lines[i]}` };
  } else {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(
        400,
        "invalid_json",
        "The body is not valid JSON; send one entry object or an array of them.",
      );
    }
  }
  const idempotencyKey = c.req.header("Idempotency-Key");
  // A named ingest key marks what it sent (docs/keys.md); the admin key and the
  // service binding have no name, so their entries keep their shape.
  const keyName = c.get("keyName");
  const answer = await ingestEntries(
    c.env,
    body,
    { idempotencyKey, fields: keyName === undefined ? undefined : { ingestKey: keyName } },
    source,
  );
  return c.json(answer, 201);
}
