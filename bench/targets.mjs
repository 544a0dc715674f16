// The workers the bench runs under Miniflare, each in its own workerd process
// with its own on-disk state: the product (bundled by wrangler), the references
// under bench/workers/, and auth-worker wired to log-worker or to a no-op sink.
import { join } from "node:path";
import { ROOT } from "../scripts/lib/wrangler-dev.mjs";
import { compatibilityDate, compatibilityFlags, configVars } from "./bundle.mjs";
import { startMiniflare } from "./miniflare.mjs";

export const API_KEY = "bench-api-key";
export const TOKEN_SECRET = "bench-token-secret";
export const LOG_CONFIG = "wrangler.logworker.toml";
export const AUTH_CONFIG = "wrangler.auth.toml";

const workerFile = (/** @type {string} */ name) => join(ROOT, "bench", "workers", name);

/**
 * log-worker's bindings as wrangler.logworker.toml declares them, plus the secret.
 * @param {Record<string, string>} [varOverrides]
 */
function logWorkerBindings(varOverrides = {}) {
  return {
    kvNamespaces: { log_state: "log_state" },
    r2Buckets: { log_archive: "logs" },
    bindings: { ...configVars(LOG_CONFIG), ...varOverrides, LOG_API_KEY: API_KEY },
  };
}

/**
 * @param {string} label
 * @param {string} state   persistence directory
 * @param {string} script  bundled module
 * @param {Record<string, string>} [varOverrides]
 */
export function startLogWorker(label, state, script, varOverrides) {
  return startMiniflare(label, {
    name: "log-worker",
    modules: true,
    scriptPath: script,
    compatibilityDate: compatibilityDate(LOG_CONFIG),
    compatibilityFlags: compatibilityFlags(LOG_CONFIG),
    resourcePersistencePath: state,
    ...logWorkerBindings(varOverrides),
  });
}

/**
 * log-worker and the search bench's seeding worker (bench/workers/search-seed.ts)
 * in one workerd process, sharing the R2 bucket: the seeder writes archive
 * objects with the product's writer, log-worker searches them.
 * @param {string} state
 * @param {{ logWorker: string, seed: string }} scripts
 */
export function startSearchStack(state, scripts) {
  const worker = { modules: true, compatibilityDate: compatibilityDate(LOG_CONFIG) };
  return startMiniflare("search", {
    resourcePersistencePath: state,
    workers: [
      {
        ...worker,
        name: "log-worker",
        scriptPath: scripts.logWorker,
        compatibilityFlags: compatibilityFlags(LOG_CONFIG),
        ...logWorkerBindings(),
      },
      {
        ...worker,
        name: "bench-search-seed",
        scriptPath: scripts.seed,
        compatibilityFlags: ["nodejs_compat"],
        r2Buckets: { log_archive: "logs" },
      },
    ],
  });
}

/**
 * log-worker and the archive reference (bench/workers/archive-reference.js) in
 * one workerd process: the reference reads log-worker's KV namespace to copy
 * its batches into a namespace of its own, then moves the copies to a bucket
 * of its own, so the two runs move the same batches without sharing storage.
 * @param {string} state
 * @param {string} script  log-worker's bundle
 * @param {Record<string, string>} varOverrides
 */
export function startArchiveStack(state, script, varOverrides) {
  return startMiniflare("archive", {
    resourcePersistencePath: state,
    workers: [
      {
        name: "log-worker",
        modules: true,
        scriptPath: script,
        compatibilityDate: compatibilityDate(LOG_CONFIG),
        compatibilityFlags: compatibilityFlags(LOG_CONFIG),
        ...logWorkerBindings(varOverrides),
      },
      {
        name: "bench-archive-reference",
        modules: true,
        scriptPath: workerFile("archive-reference.js"),
        compatibilityDate: compatibilityDate(LOG_CONFIG),
        kvNamespaces: { log_state: "log_state", reference_state: "reference_state" },
        r2Buckets: { reference_archive: "reference" },
      },
    ],
  });
}

/** @param {string} state */
export function startBare(state) {
  return startMiniflare("bare", {
    modules: true,
    scriptPath: workerFile("bare.js"),
    compatibilityDate: compatibilityDate(LOG_CONFIG),
    resourcePersistencePath: state,
  });
}

/** @param {string} state */
export function startKvPut(state) {
  return startMiniflare("kv-put", {
    modules: true,
    scriptPath: workerFile("kv-put.js"),
    compatibilityDate: compatibilityDate(LOG_CONFIG),
    resourcePersistencePath: state,
    kvNamespaces: { log_state: "log_state" },
  });
}

/**
 * auth-worker (bundled from wrangler.auth.toml) with its `log_worker` binding on
 * log-worker's LogIngest entrypoint ("on"), on a sink that only does one KV put
 * of each batch ("kvput", the reference), or on a sink that does nothing ("off").
 * Both workers run in the same workerd process, as a service binding does.
 * @param {"on" | "kvput" | "off"} logging
 * @param {string} state
 * @param {{ auth: string, logWorker: string }} bundles
 */
export function startAuthStack(logging, state, bundles) {
  const base = { name: "log-worker", modules: true, compatibilityDate: compatibilityDate(LOG_CONFIG) };
  const sink =
    logging === "on"
      ? {
          ...base,
          compatibilityFlags: compatibilityFlags(LOG_CONFIG),
          scriptPath: bundles.logWorker,
          ...logWorkerBindings(),
        }
      : logging === "kvput"
        ? {
            ...base,
            scriptPath: workerFile("kv-put-log-ingest.js"),
            kvNamespaces: { log_state: "log_state" },
          }
        : { ...base, scriptPath: workerFile("noop-log-ingest.js") };
  return startMiniflare(`auth-worker, logging ${logging}`, {
    resourcePersistencePath: state,
    workers: [
      {
        name: "auth-worker",
        modules: true,
        scriptPath: bundles.auth,
        compatibilityDate: compatibilityDate(AUTH_CONFIG),
        kvNamespaces: { auth_users: "auth_users" },
        bindings: { ...configVars(AUTH_CONFIG), AUTH_TOKEN_SECRET: TOKEN_SECRET },
        // The login limiters of wrangler.auth.toml, raised: the bench logs one account in thousands of
        // times a minute. The limiter's own cost is still paid on every login.
        ratelimits: {
          LOGIN_EMAIL_LIMITER: { namespace_id: "9101", simple: { limit: 1_000_000_000, period: 60 } },
          LOGIN_IP_LIMITER: { namespace_id: "9102", simple: { limit: 1_000_000_000, period: 60 } },
        },
        serviceBindings: { log_worker: { name: "log-worker", entrypoint: "LogIngest" } },
      },
      sink,
    ],
  });
}
