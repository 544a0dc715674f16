// The caller-overhead reference: a LogIngest whose `ingest` only does one KV put
// of the batch (JSON, under a key derived from the idempotency key, as
// log-worker's is). Any design that stores a batch must at least do this; the
// caller's p50 with log-worker over its p50 with this sink is what log-worker's
// own work costs the caller when both share workerd's thread.
import { WorkerEntrypoint } from "cloudflare:workers";

/** @extends {WorkerEntrypoint<{ log_state: KVNamespace }>} */
export class LogIngest extends WorkerEntrypoint {
  /**
   * @param {unknown[]} entries
   * @param {{ idempotencyKey: string }} options
   */
  async ingest(entries, options) {
    const key = `log:${options.idempotencyKey}`;
    await this.env.log_state.put(key, JSON.stringify(entries));
    return { ok: true, accepted: entries.length, key };
  }
}

export default {
  fetch() {
    return new Response("kv-put log sink", { status: 404 });
  },
};
