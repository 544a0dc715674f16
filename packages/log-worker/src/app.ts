/**
 * The HTTP surface of log-worker.
 *
 * `app` serves the public URL: `/health` and the log viewer's static page
 * (`/`, `/ui/*`, `/favicon.svg`) are public; every other route needs the API key.
 * `bindingApp` serves the `LogIngest` named entrypoint, which only other
 * workers reach through a service binding: it offers ingest alone, without a key,
 * so application workers never hold the admin secret.
 */
import { Hono } from "hono";
import { ArchiveBusy, ArchiveFailed, archiveLogs } from "./archive";
import { readLease } from "./archive-lease";
import { readLastRun, readPending } from "./archive-state";
import { apiKeyAuth } from "./auth";
import type { AppEnv } from "./env";
import { ApiError, methodNotAllowed, notFound, onError } from "./errors";
import { handleHealth } from "./health";
import { handleIngest } from "./ingest";
import { kvLogsQuerySchema, listWaitingLogs } from "./kv-logs";
import { parseQuery } from "./query";
import { listArchive, r2LogsQuerySchema, readArchivedObject } from "./r2-logs";
import { viewer } from "./ui/routes";

export const app = new Hono<AppEnv>();
app.route("/", viewer);

app.use("/log", apiKeyAuth());
app.use("/flush", apiKeyAuth());
app.use("/debug/*", apiKeyAuth());

app.get("/health", handleHealth);
app.post("/log", handleIngest);
app.all("/log", methodNotAllowed(["POST"]));

app.post("/flush", async (c) => {
  const run = archiveLogs(c.env, { trigger: "flush", cutoffMs: Date.now() });
  // Keep the run alive if the client hangs up: a half-finished run is safe,
  // but a finished one is better.
  c.executionCtx.waitUntil(run.catch(() => {}));
  try {
    const { archived, keys, objects, remaining } = await run;
    return c.json({ archived, keys, objects, remaining });
  } catch (err) {
    if (err instanceof ArchiveBusy) {
      throw new ApiError(409, "flush_in_progress", `${err.message}; try again when it has finished.`, {
        cause: err,
        details: { holder: err.holder },
        headers: { "Retry-After": "30" },
      });
    }
    if (err instanceof ArchiveFailed) {
      const { archived, keys, objects } = err.partial;
      throw new ApiError(
        503,
        "archive_failed",
        `${err.message}. Nothing that was not archived has been deleted from KV; retry /flush (the drain cron also retries).`,
        { cause: err, details: { archived, keys, objects, remaining: true } },
      );
    }
    throw err;
  }
});
app.all("/flush", methodNotAllowed(["POST"]));

app.get("/debug/kv-logs", async (c) => {
  const query = parseQuery(kvLogsQuerySchema, c.req.query());
  return c.json(await listWaitingLogs(c.env.log_state, query));
});

app.get("/debug/r2-logs", async (c) => {
  const query = parseQuery(r2LogsQuerySchema, c.req.query());
  return c.json(await listArchive(c.env.log_archive, query));
});

app.get("/debug/r2-logs/*", (c) => {
  const raw = new URL(c.req.url).pathname.slice("/debug/r2-logs/".length);
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch (err) {
    throw new ApiError(400, "invalid_key", "The object key is not valid URL encoding.", { cause: err });
  }
  return readArchivedObject(c.env.log_archive, key);
});

app.get("/debug/stats", async (c) => {
  const [lastRun, pending, lease] = await Promise.all([
    readLastRun(c.env.log_archive),
    readPending(c.env.log_archive),
    readLease(c.env.log_archive),
  ]);
  return c.json({ lastRun, pending, lease });
});

app.notFound(notFound);
app.onError(onError);

/** What the `LogIngest` entrypoint serves: ingest (and health), no API key. */
export const bindingApp = new Hono<AppEnv>();

bindingApp.get("/health", handleHealth);
bindingApp.post("/log", handleIngest);
bindingApp.all("/log", methodNotAllowed(["POST"]));
bindingApp.notFound((c) =>
  c.json(
    {
      error: {
        code: "not_found",
        message:
          "Over the service binding log-worker serves POST /log only; use the public URL with an API key for the rest.",
      },
    },
    404,
  ),
);
bindingApp.onError(onError);
