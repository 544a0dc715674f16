// Bindings of the client's test worker (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    LOG_SINK: Fetcher;
  }
}
