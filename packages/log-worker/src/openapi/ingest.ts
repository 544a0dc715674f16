/**
 * `POST /log`'s entry in the document. It belongs next to its handler in
 * src/ingest/ (export it there as `openapi` and change the import in
 * registry.ts); it waits here while ingest is being rewritten.
 */
import { INGEST_LIMITS, logEntrySchema } from "@log-service/client/schema";
import { z } from "zod";
import type { OpenApiOperation } from "./operation";

export const openapi: OpenApiOperation[] = [
  {
    method: "post",
    path: "/log",
    summary: "Store one entry or an array of entries as one batch",
    description:
      `At most ${INGEST_LIMITS.maxEntries} entries, ${INGEST_LIMITS.maxEntryBytes} bytes per entry serialized, ` +
      `${INGEST_LIMITS.maxBodyBytes} bytes of body. A refused request stores nothing. ` +
      "Over the service binding (entrypoint LogIngest) no key is needed. " +
      "`Idempotency-Key: <8–128 of [A-Za-z0-9_.:-]>`: a retry with the same key stores nothing new and answers the same `key`. " +
      "`Content-Type: application/x-ndjson`: one entry per line, the same limits; errors name the line.",
    auth: "ingest",
    requestBody: {
      description: "A log entry, or an array of them; unknown fields are kept",
      schema: z.union([logEntrySchema, z.array(logEntrySchema)]),
    },
    responses: {
      201: { description: "`{ accepted, key }` once KV accepted the write" },
      400: "invalid_json, empty_batch, invalid_entry (names the field and index), invalid_idempotency_key",
      413: "payload_too_large, too_many_entries, entry_too_large",
      415: "unsupported_media_type: send Content-Type: application/json or application/x-ndjson",
      503: "storage_unavailable: the KV write failed; retry",
    },
  },
];
