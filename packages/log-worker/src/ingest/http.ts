/**
 * `POST /log`: read, check and store one batch, all or nothing.
 *
 * The body limit is Hono's `bodyLimit` (app.ts), which also cuts off a chunked
 * body at the limit. Checks run cheapest first: content type, UTF-8, JSON, then
 * the entries (ingest/entries.ts). Error messages never quote the body: a
 * JSON.parse message would echo the bytes around the bad token, secrets included.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { ingestEntries } from "./core";

const JSON_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;

/** Handler of `POST /log`, shared by the public app and the service-binding entrypoint. */
export async function handleIngest(c: Context<AppEnv>): Promise<Response> {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!JSON_TYPE.test(contentType)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the entries as JSON with Content-Type: application/json.",
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
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(
      400,
      "invalid_json",
      "The body is not valid JSON; send one entry object or an array of them.",
    );
  }
  const idempotencyKey = c.req.header("Idempotency-Key");
  // A named ingest key marks what it sent (docs/keys.md); the admin key and the
  // service binding have no name, so their entries keep their shape.
  const keyName = c.get("keyName");
  const answer = await ingestEntries(
    c.env,
    body,
    { idempotencyKey, fields: keyName === undefined ? undefined : { ingestKey: keyName } },
    { json: text, bytes: bytes.byteLength },
  );
  return c.json(answer, 201);
}
