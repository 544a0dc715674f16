// Bindings the tests add to auth-worker's Env (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_LOG_API_KEY: string;
    LOG_WORKER_PUBLIC: Fetcher;
    /** Stand-ins for log-worker's LogIngest (test/fixtures), and a binding nothing answers. */
    SLOW_LOG_WORKER: Fetcher & import("@log-service/client").IngestBinding;
    FAILING_LOG_WORKER: Fetcher & import("@log-service/client").IngestBinding;
    UNREACHABLE_LOG_WORKER: Fetcher & import("@log-service/client").IngestBinding;
  }
}
