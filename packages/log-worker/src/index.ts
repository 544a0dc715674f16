/**
 * log-worker's entry module: the public fetch handler, the daily cron, the tail
 * handler (tail capture), and the `LogIngest` entrypoint that application workers bind to.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { app, bindingApp } from "./app";
import { runScheduled } from "./archive";
import { handleTail } from "./tail";

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
    ctx.waitUntil(runScheduled(env, controller));
  },
  // Tail Worker: producers naming log-worker in `tail_consumers` are captured (src/tail/).
  async tail(events, env) {
    await handleTail(events, env);
  },
} satisfies ExportedHandler<Env>;
