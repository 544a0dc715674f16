/**
 * Counting the entries that match alert rules, from KV list metadata where it
 * suffices and from batch bodies only where it does not.
 *
 * Only batches received in the rules' window (plus a few minutes of clock
 * skew) can hold matching entries, and keys sort by receive time, so the list
 * covers a few key prefixes of that time range instead of the whole backlog:
 * the cost of a tick follows the traffic of the last minutes, not the size of
 * the day's backlog. (Plus the day-start prefix where idempotent batches
 * without a time in their key live: see idempotentLogKey.)
 *
 * Each batch's metadata (n, hi, t0, t1, svc) bounds how many of its entries
 * can match a rule: none when it is too old, not severe enough or of other
 * services; at least one when every entry is in the window and of the service
 * and the most severe reaches the level (all n for `level: "debug"`); at most
 * n. A rule whose bounds already decide it costs no read. Otherwise the
 * undecided batches are read (bulk gets, bounded), and a rule still undecided
 * when the reads run out keeps its previous state.
 */
import { levelRank, type StoredLogEntry } from "@log-service/client/schema";
import {
  asBatchMetadata,
  type BatchMetadata,
  bulkGetChunks,
  getBatches,
  LOG_KEY_PREFIX,
  parseLogKey,
  UNKNOWN_VALUE_BYTES,
} from "../store/batches";
import type { AlertRule } from "./config";

/** Entries may carry a timestamp a little ahead of their receipt (producers' clocks). */
export const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** Prefixes listed at most; their width grows by tens to cover the range. */
const MAX_PREFIXES = 8;

export interface ReadLimits {
  /** KV list calls. */
  lists: number;
  /** KV bulk gets of batch bodies. */
  gets: number;
}
export const DEFAULT_READ_LIMITS: ReadLimits = { lists: 50, gets: 20 };

export interface RuleCount {
  rule: AlertRule;
  /** Matching entries counted for certain. */
  value: number;
  /** Whether the rule is decided (value ≥ threshold, or the most there can be is below it). */
  decided: boolean;
  firing: boolean;
}

export interface RuleScan {
  counts: RuleCount[];
  kvLists: number;
  kvGets: number;
  batches: number;
}

/** Key prefixes covering every batch key received in [fromMs, toMs] (and a little around). */
export function receivePrefixes(fromMs: number, toMs: number): string[] {
  for (let digits = 0; digits <= 13; digits++) {
    const unit = 10 ** digits;
    const first = Math.floor(fromMs / unit);
    const last = Math.floor(toMs / unit);
    if (last - first + 1 <= MAX_PREFIXES) {
      const out: string[] = [];
      for (let i = first; i <= last; i++) {
        out.push(
          LOG_KEY_PREFIX +
            String(i * unit)
              .padStart(13, "0")
              .slice(0, 13 - digits),
        );
      }
      return out;
    }
  }
  return [LOG_KEY_PREFIX];
}

function matches(rule: AlertRule, entry: StoredLogEntry, sinceMs: number, nowMs: number): boolean {
  if (levelRank(entry.level) < levelRank(rule.level)) return false;
  const t = Date.parse(entry.timestamp);
  if (!(t >= sinceMs && t <= nowMs)) return false;
  if (rule.service !== undefined && entry.service !== rule.service) return false;
  if (rule.q !== undefined && !entry.message.toLowerCase().includes(rule.q.toLowerCase())) return false;
  return true;
}

/** [lower, upper] matching entries of one batch, from its metadata alone. */
function bounds(
  rule: AlertRule,
  meta: BatchMetadata | null,
  sinceMs: number,
  nowMs: number,
): [number, number] {
  if (!meta) return [0, Number.POSITIVE_INFINITY];
  const rank = levelRank(rule.level);
  if (meta.t1 < sinceMs || meta.t0 > nowMs || meta.hi < rank) return [0, 0];
  if (rule.service !== undefined && meta.svc && !meta.svc.includes(rule.service)) return [0, 0];
  const everyEntryCounts =
    meta.t0 >= sinceMs &&
    meta.t1 <= nowMs &&
    rule.q === undefined &&
    (rule.service === undefined || (meta.svc?.length === 1 && meta.svc[0] === rule.service));
  if (!everyEntryCounts) return [0, meta.n];
  return [rank === 0 ? meta.n : 1, meta.n];
}

interface Listed {
  key: string;
  meta: BatchMetadata | null;
}

export async function countRules(
  kv: KVNamespace,
  rules: readonly AlertRule[],
  nowMs: number,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<RuleScan> {
  const scan: RuleScan = { counts: [], kvLists: 0, kvGets: 0, batches: 0 };
  if (rules.length === 0) return scan;
  const windowMs = Math.max(...rules.map((r) => r.windowMinutes)) * 60_000;
  const fromMs = nowMs - windowMs - CLOCK_SKEW_MS;

  const listed: Listed[] = [];
  const seen = new Set<string>();
  let complete = true;
  // Idempotent batches whose key carries no time of its own are keyed at the
  // start of their UTC day (store/batches.ts, idempotentLogKey): list those too.
  const dayStarts: string[] = [];
  for (let d = fromMs - (fromMs % DAY_MS); d <= nowMs; d += DAY_MS) {
    dayStarts.push(`${LOG_KEY_PREFIX}${String(d).padStart(13, "0")}:`);
  }
  const prefixes = [
    ...receivePrefixes(fromMs, nowMs).map((prefix) => ({ prefix, anyTime: false })),
    ...dayStarts.map((prefix) => ({ prefix, anyTime: true })),
  ];
  walk: for (const { prefix, anyTime } of prefixes) {
    let cursor: string | undefined;
    do {
      if (scan.kvLists >= limits.lists) {
        complete = false;
        break walk;
      }
      scan.kvLists++;
      const page = await kv.list<unknown>({ prefix, cursor });
      for (const key of page.keys) {
        const receivedAtMs = parseLogKey(key.name)?.receivedAtMs;
        if (receivedAtMs === undefined || seen.has(key.name)) continue;
        if (!anyTime && (receivedAtMs < fromMs || receivedAtMs > nowMs)) continue;
        seen.add(key.name);
        listed.push({ key: key.name, meta: asBatchMetadata(key.metadata) });
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }
  scan.batches = listed.length;

  // Per batch and rule: bounds, narrowed to the exact count once the body is read.
  const since = rules.map((r) => nowMs - r.windowMinutes * 60_000);
  const perBatch = listed.map((b) => {
    const lower: number[] = [];
    const upper: number[] = [];
    rules.forEach((r, i) => {
      const [lo, hi] = bounds(r, b.meta, since[i] ?? nowMs, nowMs);
      lower.push(lo);
      upper.push(hi);
    });
    return { lower, upper };
  });
  const totals = () =>
    rules.map((rule, i) => {
      let lower = 0;
      let upper = 0;
      for (const b of perBatch) {
        lower += b.lower[i] ?? 0;
        upper += b.upper[i] ?? 0;
      }
      return { lower, upper, decided: lower >= rule.threshold || upper < rule.threshold };
    });

  if (complete && !totals().every((t) => t.decided)) {
    // Only batches that could still change an undecided rule, newest first.
    const open = totals().map((t) => !t.decided);
    const toRead = listed
      .map((b, index) => ({ key: b.key, index, bytes: b.meta?.b ?? UNKNOWN_VALUE_BYTES }))
      .filter(({ index }) =>
        open.some((o, i) => o && perBatch[index]?.lower[i] !== perBatch[index]?.upper[i]),
      )
      .reverse();
    for (const chunk of bulkGetChunks(toRead)) {
      if (scan.kvGets >= limits.gets || totals().every((t) => t.decided)) break;
      scan.kvGets++;
      const bodies = await getBatches(
        kv,
        chunk.map((c) => c.key),
      );
      for (const item of chunk) {
        const entries = bodies.get(item.key) ?? [];
        const exact = rules.map(
          (r, i) => entries.filter((e) => matches(r, e, since[i] ?? nowMs, nowMs)).length,
        );
        perBatch[item.index] = { lower: exact, upper: exact };
      }
    }
  }

  scan.counts = totals().map(({ lower, upper }, i) => {
    const rule = rules[i] as AlertRule;
    const firing = lower >= rule.threshold;
    return { rule, value: lower, decided: firing || (complete && upper < rule.threshold), firing };
  });
  return scan;
}
