// "Logging off" for the caller-overhead figure: a stand-in for log-worker whose
// LogIngest entrypoint accepts every batch and does nothing with it. auth-worker
// is unchanged; only where its `log_worker` binding points differs.
import { WorkerEntrypoint } from "cloudflare:workers";

export class LogIngest extends WorkerEntrypoint {
  /**
   * @override
   * @param {Request} request
   */
  async fetch(request) {
    await request.arrayBuffer();
    return new Response('{"accepted":0,"key":"noop"}', {
      status: 201,
      headers: { "Content-Type": "application/json" },
    });
  }
}

export default {
  fetch() {
    return new Response("noop log sink", { status: 404 });
  },
};
