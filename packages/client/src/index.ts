/**
 * @log-service/client: log from any worker to log-worker over a service binding.
 */
export * from "./schema";
