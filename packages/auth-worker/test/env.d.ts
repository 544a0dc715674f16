// Bindings the tests add to auth-worker's Env (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_LOG_API_KEY: string;
    LOG_WORKER_PUBLIC: Fetcher;
    SLOW_LOG_WORKER: Fetcher;
    FAILING_LOG_WORKER: Fetcher;
    UNREACHABLE_LOG_WORKER: Fetcher;
  }
}
