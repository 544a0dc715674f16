/**
 * One alert evaluation: built-in conditions and rules, compared with the
 * stored state, then at most one notification per alert.
 *
 * Order, so that two evaluations at once never both send:
 *   1. evaluate every condition (reads only);
 *   2. work out the transitions against the stored state;
 *   3. claim them with a conditional put of the new state (the loser stops);
 *   4. deliver, with retries, within a deadline;
 *   5. record the deliveries (a failed one is undone in the state, so the
 *      next tick sends it again).
 * Nothing here throws into the cron: `runAlerts` logs and returns.
 */
import { readLastRun } from "../archive/state";
import { LOG_KEY_PREFIX, parseLogKey } from "../store/batches";
import { type AlertConfig, type AlertVars, ARCHIVE_BACKLOG, ARCHIVE_FAILED, alertConfig } from "./config";
import { type AlertPayload, type Delivery, deliver } from "./deliver";
import { countRules, DEFAULT_READ_LIMITS, type ReadLimits } from "./rules";
import { type AlertRecord, type AlertState, readAlertState, writeAlertState } from "./state";

export type AlertEnv = Pick<Env, "log_state" | "log_archive"> & AlertVars;

export interface AlertDeps {
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  limits?: ReadLimits;
  /** Time allowed for deliveries and their retries, from the start of the evaluation. */
  deliveryBudgetMs?: number;
}

/** One condition as evaluated now; `firing: null` when it could not be decided (keeps its state). */
export interface Condition {
  name: string;
  firing: boolean | null;
  value: number;
  threshold: number;
  summary: string;
}

export interface AlertRun {
  enabled: boolean;
  conditions: Condition[];
  deliveries: Delivery[];
  /** Another evaluation claimed this tick's transitions. */
  yielded?: boolean;
  /** KV calls the rules made (lists, bulk gets) and batches they looked at. */
  kv?: { lists: number; gets: number; batches: number };
}

const HOUR_MS = 3_600_000;
const DEFAULT_DELIVERY_BUDGET_MS = 30_000;

const round = (n: number) => Math.round(n * 10) / 10;

async function builtIns(env: AlertEnv, config: AlertConfig, nowMs: number): Promise<Condition[]> {
  const lastRun = await readLastRun(env.log_archive);
  const failed = lastRun !== null && !lastRun.ok;
  const page = await env.log_state.list({ prefix: LOG_KEY_PREFIX, limit: 1 });
  const first = page.keys[0] ? parseLogKey(page.keys[0].name) : null;
  const ageHours = first ? round((nowMs - first.receivedAtMs) / HOUR_MS) : 0;
  return [
    {
      name: ARCHIVE_FAILED,
      firing: failed,
      value: failed ? 1 : 0,
      threshold: 1,
      summary: failed
        ? `the archive run that ended ${lastRun?.finishedAt} failed (${lastRun?.error ?? "unknown error"}); nothing unarchived was deleted and the drain cron retries every 5 minutes`
        : `the last archive run (${lastRun?.finishedAt ?? "none yet"}) succeeded`,
    },
    {
      name: ARCHIVE_BACKLOG,
      firing: ageHours > config.backlogMaxHours,
      value: ageHours,
      threshold: config.backlogMaxHours,
      summary: first
        ? `the oldest batch waiting in KV was received ${ageHours} h ago (alert above ${config.backlogMaxHours} h)`
        : "no batch is waiting in KV",
    },
  ];
}

interface Notification {
  name: string;
  payload: AlertPayload;
  before: AlertRecord | undefined;
}

function payloadOf(
  name: string,
  record: AlertRecord,
  status: AlertPayload["status"],
  reminder: boolean,
): AlertPayload {
  const label = status === "resolved" ? "RESOLVED" : reminder ? "STILL FIRING" : "FIRING";
  return {
    status,
    name,
    summary: record.summary,
    value: record.value,
    threshold: record.threshold,
    startsAt: record.startsAt,
    endsAt: record.endsAt,
    text: `[${label}] log-worker ${name}: ${record.summary}`,
  };
}

/** The next state and the notifications it implies. */
export function transition(
  state: AlertState,
  conditions: readonly Condition[],
  nowMs: number,
  repeatHours: number,
): { next: AlertState; notifications: Notification[]; changed: boolean } {
  const now = new Date(nowMs).toISOString();
  const alerts: Record<string, AlertRecord> = { ...state.alerts };
  const notifications: Notification[] = [];
  let changed = false;
  const notify = (name: string, record: AlertRecord, status: AlertPayload["status"], reminder = false) => {
    notifications.push({
      name,
      payload: payloadOf(name, record, status, reminder),
      before: state.alerts[name],
    });
    alerts[name] = { ...record, sent: status, sentAt: now };
    changed = true;
  };
  const seen = new Set<string>();
  for (const c of conditions) {
    seen.add(c.name);
    if (c.firing === null) continue;
    const prev = state.alerts[c.name];
    const current = { value: c.value, threshold: c.threshold, summary: c.summary };
    if (c.firing) {
      if (!prev?.firing) {
        const record: AlertRecord = {
          firing: true,
          startsAt: now,
          endsAt: null,
          ...current,
          sent: null,
          sentAt: null,
        };
        alerts[c.name] = record;
        changed = true;
        notify(c.name, record, "firing");
      } else {
        const record = { ...prev, ...current };
        alerts[c.name] = record;
        const due =
          prev.sent !== "firing" || nowMs - Date.parse(prev.sentAt ?? "") >= repeatHours * 3_600_000;
        if (due) notify(c.name, record, "firing", prev.sent === "firing");
      }
    } else if (prev) {
      const record: AlertRecord = prev.firing ? { ...prev, ...current, firing: false, endsAt: now } : prev;
      if (record.sent === "firing") {
        notify(c.name, record, "resolved");
      } else {
        // Never announced (or already resolved): nothing to tell anyone.
        delete alerts[c.name];
        changed = true;
      }
    }
  }
  // A rule taken out of ALERT_RULES: its episode ends.
  for (const [name, prev] of Object.entries(state.alerts)) {
    if (seen.has(name)) continue;
    if (prev.sent === "firing") {
      const summary = "the rule is no longer in ALERT_RULES";
      notify(name, { ...prev, firing: false, endsAt: prev.endsAt ?? now, summary }, "resolved");
    } else {
      delete alerts[name];
      changed = true;
    }
  }
  return { next: { ...state, alerts, updatedAt: now }, notifications, changed };
}

/** Steps 1–5 above. Throws only on storage errors; `runAlerts` is the safe wrapper. */
export async function evaluateAlerts(env: AlertEnv, deps: AlertDeps = {}): Promise<AlertRun> {
  const { config } = alertConfig(env);
  if (!config) return { enabled: false, conditions: [], deliveries: [] };
  const now = deps.now ?? Date.now;
  const nowMs = now();
  const scan = await countRules(env.log_state, config.rules, nowMs, deps.limits ?? DEFAULT_READ_LIMITS);
  const conditions: Condition[] = [
    ...(await builtIns(env, config, nowMs)),
    ...scan.counts.map(({ rule, value, decided, firing }) => ({
      name: rule.name,
      firing: decided ? firing : null,
      value,
      threshold: rule.threshold,
      summary:
        `${firing ? "at least " : ""}${value} ${rule.level}+ entries` +
        (rule.service !== undefined ? ` from ${rule.service}` : "") +
        (rule.q !== undefined ? ` matching "${rule.q}"` : "") +
        ` in the last ${rule.windowMinutes} min (threshold ${rule.threshold})`,
    })),
  ];
  const run: AlertRun = {
    enabled: true,
    conditions,
    deliveries: [],
    kv: { lists: scan.kvLists, gets: scan.kvGets, batches: scan.batches },
  };

  const { state, etag } = await readAlertState(env.log_archive);
  const { next, notifications, changed } = transition(state, conditions, nowMs, config.repeatHours);
  if (!changed) return run;
  const claimed = await writeAlertState(env.log_archive, next, etag);
  if (claimed === null) return { ...run, yielded: true };
  if (notifications.length === 0) return run;

  const deadlineMs = nowMs + (deps.deliveryBudgetMs ?? DEFAULT_DELIVERY_BUDGET_MS);
  for (const n of notifications) {
    const delivery = await deliver(config.url, n.payload, {
      fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
      secret: config.secret,
      deadlineMs,
      now,
      sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    });
    run.deliveries.push(delivery);
    const record = next.alerts[n.name];
    if (!record) continue;
    if (!delivery.ok) {
      // Undo: the next tick sends it again.
      next.alerts[n.name] = { ...record, sent: n.before?.sent ?? null, sentAt: n.before?.sentAt ?? null };
    } else if (n.payload.status === "resolved") {
      delete next.alerts[n.name];
    }
  }
  next.lastDelivery = run.deliveries.at(-1) ?? next.lastDelivery;
  await writeAlertState(env.log_archive, next, claimed);
  return run;
}

/** For the cron: evaluates, logs what was sent, and never throws. */
export async function runAlerts(env: AlertEnv, deps: AlertDeps = {}): Promise<AlertRun | null> {
  try {
    const run = await evaluateAlerts(env, deps);
    for (const d of run.deliveries) {
      const line = { level: d.ok ? "info" : "warn", message: "alert delivery", ...d };
      (d.ok ? console.log : console.warn)(JSON.stringify(line));
    }
    return run;
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "alerts: evaluation failed", err: String(err) }));
    return null;
  }
}

/** What GET /debug/stats shows. */
export async function alertStatus(env: AlertEnv) {
  const { config, issues } = alertConfig(env);
  const { state } = await readAlertState(env.log_archive);
  return {
    enabled: config !== null,
    signed: config?.secret != null,
    rules: config?.rules.map((r) => r.name) ?? [],
    issues,
    alerts: state.alerts,
    lastDelivery: state.lastDelivery,
    updatedAt: state.updatedAt || null,
  };
}
