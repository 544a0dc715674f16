/** `GET /debug/*`: what is waiting in KV, what is archived in R2, and the archive's state. */
import { Hono } from "hono";
import { etag } from "hono/etag";
import { z } from "zod";
import { alertStatus } from "../alerts";
import { checkArchiveConfig } from "../archive/config";
import { readLease } from "../archive/lease";
import { listArchive, r2LogsQuerySchema, readArchivedObject } from "../archive/read";
import { readLastRun, readPending } from "../archive/state";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { validQuery } from "../http/query";
import type { OpenApiOperation } from "../openapi/operation";
import { kvLogsQuerySchema, listWaitingLogs } from "../store/kv-logs";

export const debugRoutes = new Hono<AppEnv>();

debugRoutes.get("/debug/kv-logs", validQuery(kvLogsQuerySchema), async (c) =>
  c.json(await listWaitingLogs(c.env.log_state, c.req.valid("query"))),
);

debugRoutes.get("/debug/r2-logs", validQuery(r2LogsQuerySchema), async (c) =>
  c.json(await listArchive(c.env.log_archive, c.req.valid("query"))),
);

// An archived object does not change once written (a rewrite after a crash
// writes the same entries), so it carries R2's ETag and a repeated GET with
// If-None-Match is answered 304 without a body.
debugRoutes.get("/debug/r2-logs/*", etag(), (c) => {
  const raw = new URL(c.req.url).pathname.slice("/debug/r2-logs/".length);
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch (err) {
    throw new ApiError(400, "invalid_key", "The object key is not valid URL encoding.", { cause: err });
  }
  return readArchivedObject(c.env.log_archive, key);
});

debugRoutes.get("/debug/stats", async (c) => {
  const [lastRun, pending, lease, alerts] = await Promise.all([
    readLastRun(c.env.log_archive),
    readPending(c.env.log_archive),
    readLease(c.env.log_archive),
    alertStatus(c.env),
  ]);
  // Settings that were refused (and what is used instead): a bad value never breaks the cron.
  const settingsIssues = [...checkArchiveConfig(c.env).issues, ...alerts.issues];
  return c.json({ lastRun, pending, lease, alerts, settingsIssues });
});

export const openapi: OpenApiOperation[] = [
  {
    method: "get",
    path: "/debug/kv-logs",
    summary: "Entries waiting in KV, oldest first",
    description:
      "A page may hold fewer than `limit` entries while `cursor` is not null: follow `cursor` until it is null. " +
      "`tail` is never null: polling it later returns what arrived since (dedupe by `id`).",
    auth: "read",
    query: kvLogsQuerySchema,
    responses: {
      200: { description: "`{ logs, cursor, tail }`" },
      400: "invalid_query: a parameter is out of range; invalid_cursor: start again without the cursor",
    },
  },
  {
    method: "get",
    path: "/debug/r2-logs",
    summary: "Archived objects, oldest date first",
    auth: "read",
    query: r2LogsQuerySchema,
    responses: {
      200: { description: "`{ objects: [{ key, size, uploaded, entries }], cursor }`" },
      400: "invalid_query, invalid_cursor",
    },
  },
  {
    method: "get",
    path: "/debug/r2-logs/{key}",
    summary: "One archived object's entries as NDJSON, decompressed",
    description: "Answers 304 to If-None-Match with the object's ETag.",
    auth: "read",
    pathParams: z.object({
      key: z
        .string()
        .describe("The object key from GET /debug/r2-logs, e.g. logs/dt=2026-11-28/<name>.ndjson.gz"),
    }),
    responses: {
      200: { description: "One entry per line", contentType: "application/x-ndjson" },
      304: { description: "Not modified since the ETag given in If-None-Match" },
      400: "invalid_key: the key is not valid URL encoding",
      404: "not_found: no such archived object",
    },
  },
  {
    method: "get",
    path: "/debug/stats",
    summary: "The last archive run, whether a drain is due, the lease held",
    auth: "read",
    responses: { 200: { description: "`{ lastRun, pending, lease }`" } },
  },
];
