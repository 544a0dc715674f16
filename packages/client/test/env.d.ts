// Bindings of the client's test worker (see vitest.config.ts): test/log-sink.js's LogSink entrypoint.
declare namespace Cloudflare {
  interface Env {
    LOG_SINK: Fetcher & {
      ingest(
        entries: import("../src/schema").LogEntryInput[],
        options: { idempotencyKey: string },
      ): Promise<import("../src/schema").IngestResult>;
      open(script: unknown[]): Promise<unknown>;
    };
  }
}
