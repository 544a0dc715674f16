/**
 * `GET /debug/r2-logs` and `GET /debug/r2-logs/<object key>`: what the archive holds.
 */
import { z } from "zod";
import { ApiError } from "../http/errors";
import { limitParam } from "../http/query";
import { ARCHIVE_PREFIX, datePrefix, isArchiveDate } from "./layout";

export const r2LogsQuerySchema = z.object({
  date: z.string().refine(isArchiveDate, "must be a date as YYYY-MM-DD").optional(),
  cursor: z.string().min(1).optional(),
  limit: limitParam,
});
export type R2LogsQuery = z.infer<typeof r2LogsQuerySchema>;

export interface ArchivedObject {
  key: string;
  size: number;
  uploaded: string;
  entries: number | null;
}

/** Archived objects, oldest date first (optionally one UTC date). */
export async function listArchive(
  bucket: R2Bucket,
  query: R2LogsQuery,
): Promise<{ objects: ArchivedObject[]; cursor: string | null }> {
  let listed: R2Objects;
  try {
    listed = await bucket.list({
      prefix: query.date ? datePrefix(query.date) : ARCHIVE_PREFIX,
      limit: query.limit,
      cursor: query.cursor,
      include: ["customMetadata"],
    });
  } catch (err) {
    if (query.cursor) {
      throw new ApiError(
        400,
        "invalid_cursor",
        "The cursor is not one this endpoint returned; start again without it.",
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  return {
    objects: listed.objects.map((o) => ({
      key: o.key,
      size: o.size,
      uploaded: o.uploaded.toISOString(),
      entries: o.customMetadata?.entries ? Number(o.customMetadata.entries) : null,
    })),
    cursor: listed.truncated ? listed.cursor : null,
  };
}

/** One archived object's entries as NDJSON, decompressed as it streams. */
export async function readArchivedObject(bucket: R2Bucket, key: string): Promise<Response> {
  if (!key.startsWith(ARCHIVE_PREFIX) || !key.endsWith(".ndjson.gz")) {
    throw new ApiError(
      404,
      "not_found",
      `Archive objects are named ${ARCHIVE_PREFIX}dt=YYYY-MM-DD/<name>.ndjson.gz.`,
    );
  }
  const object = await bucket.get(key);
  if (!object)
    throw new ApiError(404, "not_found", `No archived object ${key}; list them with GET /debug/r2-logs.`);
  return new Response(object.body.pipeThrough(new DecompressionStream("gzip")), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "X-Archive-Entries": object.customMetadata?.entries ?? "",
      // R2's tag of the stored object names this answer too (the same bytes, decompressed).
      ETag: object.httpEtag,
    },
  });
}
