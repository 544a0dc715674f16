/** `POST /flush`: run the archive job now (admin). */
import { Hono } from "hono";
import { ArchiveBusy, ArchiveFailed, archiveLogs } from "../archive/run";
import type { AppEnv } from "../env";
import { ApiError, methodNotAllowed } from "../http/errors";
import type { OpenApiOperation } from "../openapi/operation";

export const flushRoutes = new Hono<AppEnv>();

flushRoutes.post("/flush", async (c) => {
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
flushRoutes.all("/flush", methodNotAllowed(["POST"]));

export const openapi: OpenApiOperation[] = [
  {
    method: "post",
    path: "/flush",
    summary: "Run the archive job now",
    description:
      "Archives what was received before the request, within one invocation's operation budget. " +
      "`remaining: true` means more is left: the drain cron (every 5 minutes) continues it.",
    auth: "admin",
    responses: {
      200: { description: "`{ archived, keys, objects, remaining }`" },
      409: "flush_in_progress: another run holds the lease (Retry-After)",
      503: "archive_failed: R2 or KV failed; nothing unarchived was deleted, retry",
    },
  },
];
