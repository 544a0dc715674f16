/**
 * log-worker's entry module: the public fetch handler, the daily cron, and the
 * `LogIngest` entrypoint that application workers bind to.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { runAlerts } from "./alerts";
import { app, bindingApp } from "./app";
import { runScheduled } from "./archive";

/**
 * Ingest for other workers, over a service binding:
 * `[[services]] binding = "log_worker", service = "log-worker", entrypoint = "LogIngest"`.
 * A named entrypoint has no public URL, so it needs no API key.
 */
export class LogIngest extends WorkerEntrypoint<Env> {
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
