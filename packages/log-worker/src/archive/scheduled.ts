/**
 * The cron triggers (wrangler.logworker.toml `[triggers] crons`):
 *   "0 0 * * *"    the daily archive at midnight UTC: everything received before then,
 *                 then retention (retention.ts) with what is left of the budget;
 *   "*\/5 * * * *" the drain: continues a run that stopped at its operation budget,
 *                 failed or was skipped, only when `_archive/pending.json` says a
 *                 drain is due, so on most ticks it costs a single R2 read
 *                 (two with ARCHIVE_RETENTION_DAYS set: the retention marker too).
 * Each tick is a fresh invocation with its own subrequest budget and 15-minute
 * wall time, which is how a backlog larger than one budget drains with nobody acting.
 * At 00:00 both fire together: the drain tick yields to the daily archive.
 */

import { OpBudget } from "./budget";
import { checkArchiveConfig } from "./config";
import { type RetentionResult, runRetention } from "./retention";
import { ArchiveBusy, ArchiveFailed, type ArchiveResult, archiveLogs } from "./run";
import { markDrainDue, readPending } from "./state";

export const DAILY_CRON = "0 0 * * *";
export const DRAIN_CRON = "*/5 * * * *";

export type ScheduledOutcome = (
  | { ran: true; result: ArchiveResult }
  | { ran: false; reason: "nothing_pending" | "busy" | "failed" | "daily_cron"; detail?: string }
) & { retention?: RetentionResult };

const MINUTE_MS = 60_000;

/** True for a tick scheduled in the minute 00:00 UTC, when the daily cron fires too. */
export function isDailyMinute(scheduledTime: number): boolean {
  return Math.floor(scheduledTime / MINUTE_MS) % 1440 === 0;
}

/** Runs the archive for one cron tick. Never throws: a failure is logged, and the drain retries. */
export async function runScheduled(
  env: Env,
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
): Promise<ScheduledOutcome> {
  const { config } = checkArchiveConfig(env);
  const daily = controller.cron !== DRAIN_CRON;
  // Both crons fire at midnight. Without this, whichever took the lease first
  // would run and the other would be refused; the drain could also win with
  // yesterday's cutoff and hold the daily run back by five minutes.
  if (!daily && isDailyMinute(controller.scheduledTime)) {
    console.log(JSON.stringify({ level: "info", message: "archive: drain tick yields to the daily cron" }));
    return { ran: false, reason: "daily_cron" };
  }
  const budget = new OpBudget(config.opsBudget);
  const outcome = await runArchive(env, controller, budget, daily);
  const retention = await runRetention(env.log_archive, budget, {
    days: config.retentionDays,
    daily,
    nowMs: Date.now(),
  });
  return retention ? { ...outcome, retention } : outcome;
}

async function runArchive(
  env: Env,
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
  budget: OpBudget,
  daily: boolean,
): Promise<ScheduledOutcome> {
  const trigger = daily ? "cron" : "drain";
  try {
    let cutoffMs: number;
    if (!daily) {
      const pending = await readPending(env.log_archive, budget);
      if (!pending) return { ran: false, reason: "nothing_pending" };
      cutoffMs = pending.cutoffMs;
    } else {
      // Any other schedule is the daily archive (so a changed cron string still archives).
      cutoffMs = controller.scheduledTime;
      // Mark the drain due first: if this run dies, or another holds the lease,
      // the drain cron finishes the job within minutes instead of tomorrow.
      await markDrainDue(env.log_archive, budget, cutoffMs, "daily archive");
    }
    return { ran: true, result: await archiveLogs(env, { trigger, cutoffMs, budget }) };
  } catch (err) {
    if (err instanceof ArchiveBusy) {
      console.log(
        JSON.stringify({ level: "info", message: "archive: skipped, another run holds the lease", trigger }),
      );
      return { ran: false, reason: "busy", detail: err.message };
    }
    const detail = err instanceof ArchiveFailed ? err.message : String(err);
    console.error(
      JSON.stringify({ level: "error", message: "archive: run failed; the drain cron retries", detail }),
    );
    return { ran: false, reason: "failed", detail };
  }
}
