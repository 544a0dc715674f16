/**
 * log-worker's entry module: the public fetch handler, the cron triggers, and
 * the `LogIngest` entrypoint that application workers bind to.
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import type {
  IngestResult,
  LogEntryInput,
  IngestOptions as RpcIngestOptions,
} from "@log-service/client/schema";
import { runAlerts } from "./alerts";
import { app, bindingApp } from "./app";
import { runScheduled } from "./archive";
import { ApiError } from "./http/errors";
import { ingestEntries } from "./ingest";

/**
 * Ingest for other workers, over a service binding:
 * `[[services]] binding = "log_worker", service = "log-worker", entrypoint = "LogIngest"`.
 * A named entrypoint has no public URL, so it needs no API key.
 */
export class LogIngest extends WorkerEntrypoint<Env> {
  /**
   * Stores one batch. Never throws for what the batch holds or for storage
   * failures: the answer says whether a retry with the same idempotency key
   * can succeed, and a retry never stores the batch twice.
   *
   * @example
   * const result = await env.log_worker.ingest([{ message: "hi" }], { idempotencyKey: `${Date.now()}-${crypto.randomUUID()}` });
   */
  async ingest(entries: LogEntryInput[], options: RpcIngestOptions): Promise<IngestResult> {
    try {
      const { accepted, key } = await ingestEntries(this.env, entries, {
        idempotencyKey: options?.idempotencyKey,
      });
      return { ok: true, accepted, key };
    } catch (err) {
      if (err instanceof ApiError) {
        const retryAfter = Number(err.headers?.["Retry-After"]);
        return {
          ok: false,
          status: err.status,
          code: err.code,
          message: err.message,
          retryable: err.status >= 500 || err.status === 429,
          ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}),
        };
      }
      console.error(
        JSON.stringify({
          level: "error",
          message: "LogIngest.ingest failed unexpectedly",
          err: err instanceof Error ? err.message : String(err),
        }),
      );
      return {
        ok: false,
        status: 500,
        code: "internal_error",
        message: "Unexpected error.",
        retryable: true,
      };
    }
  }

  /** `POST /log` over the binding, for callers that still speak HTTP to it. */
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(bindingApp.fetch(request, this.env, this.ctx));
  }
}

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    // Alerts after the archive work, so a slow receiver never delays it; the
    // drain tick that yields to the midnight cron leaves them to that one.
    ctx.waitUntil(
      runScheduled(env, controller).then((outcome) =>
        !outcome.ran && outcome.reason === "daily_cron" ? null : runAlerts(env),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
