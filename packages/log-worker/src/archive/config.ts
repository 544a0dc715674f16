/**
 * Settings of the archive job, from `[vars]` in wrangler.logworker.toml.
 * Every value has a safe default, so a missing var never breaks the cron.
 */
import { z } from "zod";

const positiveInt = (fallback: number, max: number, min = 1) =>
  z.coerce.number().int().min(min).max(max).catch(fallback).default(fallback);

const archiveConfigSchema = z.object({
  /** KV + R2 operations one invocation may make; stays under the Paid plan's 10,000 subrequests. */
  ARCHIVE_OPS_BUDGET: positiveInt(9000, 10_000_000),
  /** Most NDJSON bytes (before gzip) in one archive object. */
  // At least 2 MiB, so that one batch (≤ 1 MiB of body, a little more stored) always fits.
  ARCHIVE_OBJECT_MAX_BYTES: positiveInt(32 * 1024 * 1024, 256 * 1024 * 1024, 2 * 1024 * 1024),
  /** KV deletes in flight at once. */
  ARCHIVE_DELETE_CONCURRENCY: positiveInt(16, 256),
  /** How long a run's lease holds unless renewed; a run renews it while alive. */
  ARCHIVE_LEASE_SECONDS: positiveInt(300, 24 * 3600, 30),
});

export type ArchiveConfig = {
  opsBudget: number;
  objectMaxBytes: number;
  deleteConcurrency: number;
  leaseMs: number;
};

/** The [vars] read here; values are strings in the toml, anything else falls back to the default. */
export type ArchiveVars = { [K in keyof z.input<typeof archiveConfigSchema>]?: unknown };

export function archiveConfig(env: ArchiveVars): ArchiveConfig {
  const vars = archiveConfigSchema.parse({
    ARCHIVE_OPS_BUDGET: env.ARCHIVE_OPS_BUDGET,
    ARCHIVE_OBJECT_MAX_BYTES: env.ARCHIVE_OBJECT_MAX_BYTES,
    ARCHIVE_DELETE_CONCURRENCY: env.ARCHIVE_DELETE_CONCURRENCY,
    ARCHIVE_LEASE_SECONDS: env.ARCHIVE_LEASE_SECONDS,
  });
  return {
    opsBudget: vars.ARCHIVE_OPS_BUDGET,
    objectMaxBytes: vars.ARCHIVE_OBJECT_MAX_BYTES,
    deleteConcurrency: vars.ARCHIVE_DELETE_CONCURRENCY,
    leaseMs: vars.ARCHIVE_LEASE_SECONDS * 1000,
  };
}
