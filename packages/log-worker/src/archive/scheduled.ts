/**
 * The cron triggers (wrangler.logworker.toml `[triggers] crons`):
 *   "0 0 * * *"    the daily archive at midnight UTC: everything received before then;
 *   "*\/5 * * * *" the drain: continues a run that stopped at its operation budget,
 *                 failed or was skipped, only when `_archive/pending.json` says a
 *                 drain is due, so on most ticks it costs a single R2 read.
 * Each tick is a fresh invocation with its own subrequest budget and 15-minute
 * wall time, which is how a backlog larger than one budget drains with nobody acting.
 */

import { OpBudget } from "./budget";
import { archiveConfig } from "./config";
import { ArchiveBusy, ArchiveFailed, type ArchiveResult, archiveLogs } from "./run";
import { markDrainDue, readPending } from "./state";

export const DAILY_CRON = "0 0 * * *";
export const DRAIN_CRON = "*/5 * * * *";

export type ScheduledOutcome =
  | { ran: true; result: ArchiveResult }
  | { ran: false; reason: "nothing_pending" | "busy" | "failed"; detail?: string };

/** Runs the archive for one cron tick. Never throws: a failure is logged, and the drain retries. */
export async function runScheduled(
  env: Env,
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
): Promise<ScheduledOutcome> {
  const budget = new OpBudget(archiveConfig(env).opsBudget);
  let trigger: "cron" | "drain" = "drain";
  try {
    let cutoffMs: number;
    if (controller.cron === DRAIN_CRON) {
      const pending = await readPending(env.log_archive, budget);
      if (!pending) return { ran: false, reason: "nothing_pending" };
      cutoffMs = pending.cutoffMs;
    } else {
      // Any other schedule is the daily archive (so a changed cron string still archives).
      trigger = "cron";
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
