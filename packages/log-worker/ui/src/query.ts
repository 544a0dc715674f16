/**
 * What the viewer shows, as a value: the time range and the filters of
 * `GET /debug/logs`, read from and written to the page's URL so that a link
 * opens the same view.
 *
 *   ?range=1h&level=warn&service=billing        the last hour (relative: "now" when opened)
 *   ?range=custom&since=<ISO>&until=<ISO>       a fixed window
 *   &live=1                                     live tail (relative ranges only)
 */
import { isLevel, type Level } from "./levels";
import { clampTime, MAX_TIME, MIN_TIME } from "./time";

export const PRESETS = { "15m": 15 * 6e4, "1h": 36e5, "24h": 24 * 36e5, "7d": 7 * 864e5 } as const;
export type Preset = keyof typeof PRESETS;
export type RangeName = Preset | "custom";
export const DEFAULT_RANGE: Preset = "24h";

/** The filters, by their `GET /debug/logs` parameter names. */
export const FILTERS = ["level", "service", "q", "requestId"] as const;
export type FilterName = (typeof FILTERS)[number];

export interface ViewQuery {
  range: RangeName;
  /** Epoch ms, for range "custom" only. */
  since?: number;
  until?: number;
  level?: Level;
  service?: string;
  q?: string;
  requestId?: string;
  live: boolean;
}

/** The instants one load of the view covers, epoch ms, both inclusive. */
export interface TimeWindow {
  since: number;
  until: number;
}

/** Request-id correlation looks this far either side of the clicked entry: a request's entries may sit in several days' archives. */
export const CORRELATION_SPAN_MS = 30 * 864e5;

const isPreset = (value: string | null): value is Preset => value !== null && Object.hasOwn(PRESETS, value);

function parseInstant(value: string | null): number | undefined {
  if (!value) return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(t) && t >= MIN_TIME && t <= MAX_TIME ? t : undefined;
}

/** The view a URL's query string names; anything unreadable falls back to the default. */
export function parseQuery(search: string): ViewQuery {
  const p = new URLSearchParams(search);
  const query: ViewQuery = { range: DEFAULT_RANGE, live: p.get("live") === "1" };
  const range = p.get("range");
  const since = parseInstant(p.get("since"));
  const until = parseInstant(p.get("until"));
  if (isPreset(range)) query.range = range;
  else if ((range === "custom" || range === null) && since !== undefined && until !== undefined) {
    Object.assign(query, { range: "custom", since, until });
  }
  const level = p.get("level");
  if (isLevel(level)) query.level = level;
  for (const name of ["service", "q", "requestId"] as const) {
    const value = p.get(name)?.trim();
    if (value) query[name] = value;
  }
  if (query.range === "custom") query.live = false;
  return query;
}

/** The query string for a view ("" for the default view). */
export function formatQuery(query: ViewQuery): string {
  const p = new URLSearchParams();
  if (query.range !== DEFAULT_RANGE) p.set("range", query.range);
  if (query.range === "custom" && query.since !== undefined && query.until !== undefined) {
    p.set("since", new Date(query.since).toISOString());
    p.set("until", new Date(query.until).toISOString());
  }
  for (const name of FILTERS) {
    const value = query[name];
    if (value) p.set(name, value);
  }
  if (query.live && query.range !== "custom") p.set("live", "1");
  const text = p.toString();
  return text ? `?${text}` : "";
}

export function sameQuery(a: ViewQuery, b: ViewQuery): boolean {
  return formatQuery(a) === formatQuery(b);
}

/** The window a view covers when loaded at `now`. */
export function resolveWindow(query: ViewQuery, now: number): TimeWindow {
  if (query.range === "custom" && query.since !== undefined && query.until !== undefined) {
    return { since: query.since, until: query.until };
  }
  const span = PRESETS[query.range === "custom" ? DEFAULT_RANGE : query.range];
  const until = clampTime(now);
  return { since: clampTime(until - span), until };
}

/** Every entry of one request, wherever it is stored: a wide fixed window around one of its entries. */
export function correlationQuery(requestId: string, timestamp: number): ViewQuery {
  const at = Number.isFinite(timestamp) ? timestamp : Date.now();
  return {
    range: "custom",
    since: clampTime(at - CORRELATION_SPAN_MS),
    until: clampTime(at + CORRELATION_SPAN_MS),
    requestId,
    live: false,
  };
}

/** The `GET /debug/logs` parameters for a view over a window. */
export function searchParams(
  query: ViewQuery,
  window: TimeWindow,
  page: { limit: number; cursor?: string | null; order?: "asc" | "desc" },
): URLSearchParams {
  const p = new URLSearchParams({
    since: new Date(window.since).toISOString(),
    until: new Date(window.until).toISOString(),
    limit: String(page.limit),
  });
  for (const name of FILTERS) {
    const value = query[name];
    if (value) p.set(name, value);
  }
  if (page.order === "asc") p.set("order", "asc");
  if (page.cursor) p.set("cursor", page.cursor);
  return p;
}
