/** `GET /debug/*`: what is waiting in KV, what is archived in R2, and the archive's state. */
import { Hono } from "hono";
import { alertStatus } from "../alerts";
import { checkArchiveConfig } from "../archive/config";
import { readLease } from "../archive/lease";
import { listArchive, r2LogsQuerySchema, readArchivedObject } from "../archive/read";
import { readLastRun, readPending } from "../archive/state";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { parseQuery } from "../http/query";
import { kvLogsQuerySchema, listWaitingLogs } from "../store/kv-logs";

export const debugRoutes = new Hono<AppEnv>();

debugRoutes.get("/debug/kv-logs", async (c) => {
  const query = parseQuery(kvLogsQuerySchema, c.req.query());
  return c.json(await listWaitingLogs(c.env.log_state, query));
});

debugRoutes.get("/debug/r2-logs", async (c) => {
  const query = parseQuery(r2LogsQuerySchema, c.req.query());
  return c.json(await listArchive(c.env.log_archive, query));
});

debugRoutes.get("/debug/r2-logs/*", (c) => {
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
