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

/** Unset or empty: keep every day. Anything but a whole number of days ≥ 1 deletes nothing. */
const retentionDays = z
  .union([z.literal("").transform(() => null), z.coerce.number().int().min(1).max(100_000)])
  .optional()
  .transform((v) => v ?? null);

export type ArchiveConfig = {
  opsBudget: number;
  objectMaxBytes: number;
  deleteConcurrency: number;
  leaseMs: number;
  /** Days of `logs/dt=D/` partitions kept; null keeps them forever. */
  retentionDays: number | null;
};

/** The [vars] read here; values are strings in the toml, anything else falls back to the default. */
export type ArchiveVars = { [K in keyof z.input<typeof archiveConfigSchema>]?: unknown } & {
  ARCHIVE_RETENTION_DAYS?: unknown;
};

/**
 * How long a commit can take at these settings, for the lease check. A commit
 * deletes at most one budget's worth of keys, `deleteConcurrency` at a time,
 * after writing its journal and objects. Slow but plausible latencies are
 * assumed, so that the lease outlives a commit even if no renewal gets a turn.
 */
const SLOW_KV_DELETE_MS = 200;
const SLOW_R2_PUT_MS = 30_000;
export function commitMaxMs(opsBudget: number, deleteConcurrency: number): number {
  return Math.ceil(opsBudget / deleteConcurrency) * SLOW_KV_DELETE_MS + 2 * SLOW_R2_PUT_MS;
}

/** The settings, and what is wrong with those that were refused (for /debug/stats). */
export function checkArchiveConfig(env: ArchiveVars): { config: ArchiveConfig; issues: string[] } {
  const vars = archiveConfigSchema.parse({
    ARCHIVE_OPS_BUDGET: env.ARCHIVE_OPS_BUDGET,
    ARCHIVE_OBJECT_MAX_BYTES: env.ARCHIVE_OBJECT_MAX_BYTES,
    ARCHIVE_DELETE_CONCURRENCY: env.ARCHIVE_DELETE_CONCURRENCY,
    ARCHIVE_LEASE_SECONDS: env.ARCHIVE_LEASE_SECONDS,
  });
  const issues: string[] = [];
  const retention = retentionDays.safeParse(env.ARCHIVE_RETENTION_DAYS);
  if (!retention.success) {
    issues.push("ARCHIVE_RETENTION_DAYS must be a whole number of days (1 or more); nothing is deleted");
  }
  const config: ArchiveConfig = {
    opsBudget: vars.ARCHIVE_OPS_BUDGET,
    objectMaxBytes: vars.ARCHIVE_OBJECT_MAX_BYTES,
    deleteConcurrency: vars.ARCHIVE_DELETE_CONCURRENCY,
    leaseMs: vars.ARCHIVE_LEASE_SECONDS * 1000,
    retentionDays: retention.success ? retention.data : null,
  };
  // A lease that can expire in the middle of a commit lets a second run take
  // over and archive the same keys again: refuse it, and use the shortest safe one.
  const minLeaseMs = commitMaxMs(config.opsBudget, config.deleteConcurrency);
  if (config.leaseMs < minLeaseMs) {
    const seconds = Math.ceil(minLeaseMs / 1000);
    issues.push(
      `ARCHIVE_LEASE_SECONDS is shorter than a commit can take at ARCHIVE_OPS_BUDGET and ARCHIVE_DELETE_CONCURRENCY; ${seconds} is used`,
    );
    config.leaseMs = seconds * 1000;
  }
  return { config, issues };
}

export function archiveConfig(env: ArchiveVars): ArchiveConfig {
  return checkArchiveConfig(env).config;
}
