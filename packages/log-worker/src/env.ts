import type { Scope } from "./http/keys";

/** Hono's view of the worker: bindings come from `wrangler types` (worker-configuration.d.ts). */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    /**
     * Set by `requireScope` on the public URL: the name of the scoped key that
     * authenticated the request (`vector-prod` from `LOG_INGEST_KEYS=vector-prod:...`),
     * or undefined for the admin key `LOG_API_KEY` and over the service binding.
     * Ingest routes store it on entries as `ingestKey`.
     */
    keyName: string | undefined;
    /** The scope of the key that authenticated the request (set with `keyName`). */
    keyScope: Scope;
  };
};
