/** Hono's view of the worker: bindings come from `wrangler types` (worker-configuration.d.ts). */
export type AppEnv = { Bindings: Env };
