// "Logging off" for the caller-overhead figure: a stand-in for log-worker whose
// LogIngest entrypoint accepts every batch and does nothing with it. auth-worker
// is unchanged; only where its `log_worker` binding points differs.
import { WorkerEntrypoint } from "cloudflare:workers";

export class LogIngest extends WorkerEntrypoint {
  /**
   * @param {unknown[]} entries
   * @param {{ idempotencyKey: string }} options
   */
  async ingest(entries, options) {
    return { ok: true, accepted: entries.length, key: `noop:${options.idempotencyKey}` };
  }
}

export default {
  fetch() {
    return new Response("noop log sink", { status: 404 });
  },
};
