/**
 * `POST /log`: read, check and store one batch, all or nothing.
 *
 * Checks run cheapest first: content type, body size (streamed, so a huge or
 * chunked body is cut off at the limit), JSON, batch shape and count, entry
 * size, then the zod schema. Nothing is written unless every entry passes.
 */
import { INGEST_LIMITS, logEntrySchema, type StoredLogEntry } from "@log-service/client/schema";
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { newLogKey, putBatch } from "../store/batches";

const encoder = new TextEncoder();

/** Reads the body as text, refusing it as soon as it passes `maxBytes`. */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new ApiError(
      413,
      "payload_too_large",
      `The body is larger than ${maxBytes} bytes; split it into several requests.`,
    );
  const declared = Number(request.headers.get("Content-Length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
}

function describeIssue(issue: z.core.$ZodIssue, index: number | null): string {
  const at = index === null ? "" : `entries[${index}]`;
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const where = `${at}${path}`.replace(/^\./, "") || "body";
  return `${where}: ${issue.message}`;
}

/**
 * Validates a parsed body (one entry or an array) and returns the entries as
 * they will be stored, each with `id`, `receivedAt` and an ISO `timestamp`.
 */
export function toStoredEntries(body: unknown, key: string, receivedAtMs: number): StoredLogEntry[] {
  const isArray = Array.isArray(body);
  const raw: unknown[] = isArray ? body : [body];
  if (isArray && raw.length === 0) {
    throw new ApiError(400, "empty_batch", "The array holds no entries; send at least one.");
  }
  if (raw.length > INGEST_LIMITS.maxEntries) {
    throw new ApiError(
      413,
      "too_many_entries",
      `The batch holds ${raw.length} entries; at most ${INGEST_LIMITS.maxEntries} are accepted per request.`,
    );
  }
  const receivedAt = new Date(receivedAtMs).toISOString();
  const idPrefix = key.slice(key.indexOf(":") + 1).replace(":", "-");
  const stored: StoredLogEntry[] = [];
  for (const [i, item] of raw.entries()) {
    const index = isArray ? i : null;
    const size = encoder.encode(JSON.stringify(item)).byteLength;
    if (size > INGEST_LIMITS.maxEntryBytes) {
      throw new ApiError(
        413,
        "entry_too_large",
        `${index === null ? "The entry" : `entries[${index}]`} is ${size} bytes serialized; the limit is ${INGEST_LIMITS.maxEntryBytes}.`,
        { details: { index, bytes: size } },
      );
    }
    const parsed = logEntrySchema.safeParse(item);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => describeIssue(issue, index));
      throw new ApiError(400, "invalid_entry", issues[0] ?? "invalid entry", {
        details: { index, issues },
      });
    }
    const { timestamp, level, message, ...rest } = parsed.data;
    stored.push({
      ...rest,
      // The server's fields win over any a client sent under the same names.
      id: `${idPrefix}-${i}`,
      level,
      message,
      timestamp: new Date(timestamp ?? receivedAtMs).toISOString(),
      receivedAt,
    });
  }
  return stored;
}

/** Handler of `POST /log`, shared by the public app and the service-binding entrypoint. */
export async function handleIngest(c: Context<AppEnv>): Promise<Response> {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the entries as JSON with Content-Type: application/json.",
    );
  }
  let text: string;
  try {
    text = await readBodyLimited(c.req.raw, INGEST_LIMITS.maxBodyBytes);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "invalid_json", "The body is not valid UTF-8 JSON.", { cause: err });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ApiError(
      400,
      "invalid_json",
      `The body is not valid JSON (${err instanceof Error ? err.message : "parse error"}).`,
      { cause: err },
    );
  }
  if (typeof body !== "object" || body === null) {
    throw new ApiError(400, "invalid_entry", "body: must be a JSON object or an array of objects.");
  }
  const receivedAtMs = Date.now();
  const key = newLogKey(receivedAtMs);
  const entries = toStoredEntries(body, key, receivedAtMs);
  try {
    await putBatch(c.env.log_state, key, entries);
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        message: "KV put failed; batch refused with 503",
        key,
        entries: entries.length,
        err: err instanceof Error ? err.message : String(err),
      }),
    );
    throw new ApiError(503, "storage_unavailable", "Could not store the batch; retry shortly.", {
      cause: err,
      headers: { "Retry-After": "1" },
    });
  }
  return c.json({ accepted: entries.length, key }, 201);
}
