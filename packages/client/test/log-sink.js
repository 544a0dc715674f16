// A stand-in for log-worker's LogIngest, reached over a real service binding.
// `ingest` accepts every batch. `open(script)` returns a sink (an RpcTarget,
// used through its stub across the binding) that answers each call as the
// script says, in order, the last step repeating:
//   "ok"                       → { ok: true, accepted, key }
//   { fail: { status, code, retryable, retryAfterMs? } } → that IngestResult
//   "throw"                    → the call rejects (as when the binding is unreachable)
//   "hang"                     → answers only after a minute
//   { slowMs }                 → answers ok after that many ms
// and records every call (entries, idempotency key) for `calls()`.
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

class ScriptedSink extends RpcTarget {
  #script;
  #calls = [];
  constructor(script) {
    super();
    this.#script = script.length > 0 ? script : ["ok"];
  }
  async ingest(entries, options) {
    this.#calls.push({ entries, idempotencyKey: options?.idempotencyKey, json: JSON.stringify(entries) });
    const step = this.#script[Math.min(this.#calls.length - 1, this.#script.length - 1)];
    if (step === "throw") throw new Error("log-worker unreachable (scripted)");
    if (step === "hang") await new Promise((resolve) => setTimeout(resolve, 60_000));
    if (step && typeof step === "object" && "slowMs" in step) {
      await new Promise((resolve) => setTimeout(resolve, step.slowMs));
    }
    if (step && typeof step === "object" && "fail" in step) {
      return { ok: false, message: "as scripted", retryable: false, ...step.fail };
    }
    return { ok: true, accepted: entries.length, key: `log:${options?.idempotencyKey}` };
  }
  calls() {
    return this.#calls;
  }
}

export class LogSink extends WorkerEntrypoint {
  async ingest(entries, options) {
    return { ok: true, accepted: entries.length, key: `log:${options?.idempotencyKey}` };
  }
  open(script) {
    return new ScriptedSink(script);
  }
}

export default {
  fetch() {
    return new Response("log-sink: bind the LogSink entrypoint", { status: 404 });
  },
};
