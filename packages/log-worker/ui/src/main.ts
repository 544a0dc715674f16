/**
 * log-worker's log viewer: one search (`GET /debug/logs`) over waiting and
 * archived entries, newest first, with the query in the URL. Entry point of
 * the bundle that scripts/build-viewer.mjs writes to ui/dist/app.js.
 */
import { actionStatus, renderFlushButton, runExport, runFlush } from "./actions";
import { ApiProblem, apiKey, forgetApiKey, searchLogs, setApiKey } from "./api";
import { renderChart } from "./chart";
import { $, h } from "./dom";
import { EntryStore, type Item } from "./entries";
import { renderFacets } from "./facets";
import { isLevel, LEVELS } from "./levels";
import { createLive } from "./live";
import {
  correlationQuery,
  formatQuery,
  parseQuery,
  resolveWindow,
  sameQuery,
  type TimeWindow,
  type ViewQuery,
} from "./query";
import { renderRows } from "./table";
import { fromLocalInput, toLocalInput } from "./time";

/** Entries per `GET /debug/logs` page while scrolling. */
const PAGE = 100;
/** Pages with no entry (the server's scan budget ran out first) followed in a row before waiting for a click. */
const MAX_EMPTY_FOLLOWS = 20;

const state = {
  query: parseQuery(location.search),
  window: { since: 0, until: 0 } as TimeWindow,
  store: new EntryStore(),
  expanded: new Set<string>(),
  cursor: null as string | null,
  started: false,
  busy: false,
  emptyFollows: 0,
  scanned: {} as Record<string, unknown>,
  /** Bumped by every reload: answers to older requests are dropped. */
  generation: 0,
  controller: new AbortController(),
};

const form = () => $<HTMLFormElement>("filters");
const field = (name: string) => form().elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

// ---------------------------------------------------------------- the query

function syncControls(): void {
  const q = state.query;
  const range = document.querySelector<HTMLInputElement>(`#range input[value="${q.range}"]`);
  if (range) range.checked = true;
  const custom = q.range === "custom";
  $("custom-since").hidden = !custom;
  $("custom-until").hidden = !custom;
  field("since").value = custom && q.since !== undefined ? toLocalInput(q.since) : "";
  field("until").value = custom && q.until !== undefined ? toLocalInput(q.until) : "";
  field("level").value = q.level ?? "";
  field("service").value = q.service ?? "";
  field("q").value = q.q ?? "";
  field("requestId").value = q.requestId ?? "";
  const live = $<HTMLInputElement>("live");
  live.checked = q.live;
  live.disabled = custom;
}

function readForm(): ViewQuery {
  const q = state.query;
  const next: ViewQuery = { range: q.range, live: q.live };
  if (q.range === "custom") {
    const since = fromLocalInput(field("since").value);
    const until = fromLocalInput(field("until").value);
    next.since = Number.isNaN(since) ? q.since : since;
    next.until = Number.isNaN(until) ? q.until : until;
  }
  const level = field("level").value;
  if (isLevel(level)) next.level = level;
  for (const name of ["service", "q", "requestId"] as const) {
    const value = field(name).value.trim();
    if (value) next[name] = value;
  }
  return next;
}

/** Shows another query: the URL follows (a history entry when `push`), then it loads. */
function setQuery(next: ViewQuery, push = true): void {
  if (sameQuery(next, state.query)) return;
  state.query = next;
  syncControls();
  const url = location.pathname + formatQuery(next);
  if (url !== location.pathname + location.search)
    history[push ? "pushState" : "replaceState"](null, "", url);
  reload();
}

// ---------------------------------------------------------------- loading

function reload(): void {
  state.generation++;
  state.controller.abort();
  state.controller = new AbortController();
  live.stop();
  state.store.clear();
  state.expanded.clear();
  state.cursor = null;
  state.started = false;
  state.busy = false;
  state.emptyFollows = 0;
  state.window = resolveWindow(state.query, Date.now());
  notice("");
  render();
  if (apiKey()) void loadPage();
  else askForKey("");
}

/** The next page of the query (the first one after a reload). */
async function loadPage(): Promise<void> {
  if (state.busy || (state.started && !state.cursor)) return;
  const generation = state.generation;
  setBusy(true);
  try {
    const page = await searchLogs(
      state.query,
      state.window,
      { limit: PAGE, cursor: state.cursor },
      state.controller.signal,
    );
    if (generation !== state.generation) return;
    const added = state.store.add(page.logs, false);
    state.emptyFollows = added ? 0 : state.emptyFollows + 1;
    state.cursor = page.cursor;
    state.scanned = page.scanned;
    const first = !state.started;
    state.started = true;
    setBusy(false);
    render();
    if (first) live.schedule();
    followCursor();
  } catch (err) {
    if (generation !== state.generation) return;
    setBusy(false);
    fail(err);
  }
}

/** Scrolling follows the cursor: while the end of the table is on screen, load on. */
function followCursor(): void {
  if (!state.cursor || state.busy || state.emptyFollows >= MAX_EMPTY_FOLLOWS) return;
  const box = $("sentinel").getBoundingClientRect();
  if (box.top < window.innerHeight + 200) void loadPage();
}

const live = createLive({
  canPoll: () => state.query.live && state.query.range !== "custom" && state.started && Boolean(apiKey()),
  async poll(signal) {
    const generation = state.generation;
    // Entries may arrive a little out of order (several workers, KV listings that lag): look back a minute; ids dedupe.
    const newest = state.store.newest() ?? state.window.since;
    const until = Date.now();
    const window = { since: Math.max(state.window.since, newest - 60_000), until };
    let cursor: string | null = null;
    let added = 0;
    let pages = 0;
    do {
      const page = await searchLogs(state.query, window, { limit: 1000, cursor, order: "asc" }, signal);
      if (generation !== state.generation) return 0;
      added += state.store.add(page.logs, true);
      cursor = page.cursor;
    } while (cursor && ++pages < 5);
    state.window = { since: state.window.since, until };
    if (added) render();
    return added;
  },
  fail,
  status: (text, polls) => {
    const out = $("live-status");
    out.textContent = text;
    out.dataset.polls = String(polls);
  },
});

// ---------------------------------------------------------------- rendering

function render(): void {
  const items = state.store.sorted();
  renderChart($("chart"), items, state.window, (zoom) =>
    setQuery({ ...state.query, range: "custom", since: zoom.since, until: zoom.until, live: false }),
  );
  renderRows($("rows"), items, state.expanded, { correlate });
  const facets = renderFacets(items, state.query, state.started && !state.cursor, {
    level: (level) => setQuery({ ...state.query, level }),
    service: (service) => setQuery({ ...state.query, service }),
  });
  $("facet-level").replaceChildren(...facets.level);
  $("facet-service").replaceChildren(...facets.service);
  $("facets-note").textContent = facets.note;
  $("summary").textContent = summary(items.length);
  $("more").hidden = !state.cursor;
  renderEmpty(items.length);
  $("forget").hidden = !apiKey();
  renderFlushButton();
}

function summary(count: number): string {
  if (state.busy && count === 0) return "Loading…";
  if (!state.started) return "";
  const n = `${count.toLocaleString()} entr${count === 1 ? "y" : "ies"}, newest first`;
  const more = state.cursor ? "; more match: scroll down to load them" : "";
  const read = Object.entries(state.scanned)
    .filter(([, value]) => typeof value === "number" && value > 0)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
  return `${n}${more}${read ? ` · last request read: ${read}` : ""}`;
}

function renderEmpty(count: number): void {
  const box = $("empty");
  box.hidden = count > 0 || !apiKey() || !state.started || Boolean(state.cursor);
  if (box.hidden) return;
  const filtered = Boolean(
    state.query.level || state.query.service || state.query.q || state.query.requestId,
  );
  const parts: Node[] = [
    h(
      "p",
      {},
      filtered ? "No entries match these filters in this time range." : "No entries in this time range.",
    ),
  ];
  if (filtered) {
    const clear = h("button", { type: "button" }, "Clear filters");
    clear.addEventListener("click", () =>
      setQuery({
        range: state.query.range,
        live: state.query.live,
        since: state.query.since,
        until: state.query.until,
      }),
    );
    parts.push(clear);
  }
  box.replaceChildren(...parts);
}

function correlate(item: Item, requestId: string): void {
  setQuery(correlationQuery(requestId, item.t));
}

// ---------------------------------------------------------------- messages

function setBusy(busy: boolean): void {
  state.busy = busy;
  $("table-wrap").setAttribute("aria-busy", String(busy));
  $<HTMLButtonElement>("more").disabled = busy;
  if (busy && state.store.size === 0) $("summary").textContent = "Loading…";
}

function notice(text: string, retry = false): void {
  const box = $("notice");
  box.hidden = !text;
  box.replaceChildren(text);
  if (retry) {
    const again = h("button", { type: "button" }, "Retry");
    again.addEventListener("click", reload);
    box.append(" ", again);
  }
}

function fail(err: unknown): void {
  if (err instanceof DOMException && err.name === "AbortError") return;
  if (err instanceof ApiProblem && (err.kind === "auth" || (err.status === 403 && !state.started))) {
    forgetApiKey();
    live.stop();
    askForKey(
      err.status === 403
        ? `This key may not read logs (${err.message}). Use a read or admin key.`
        : err.message,
    );
    return;
  }
  notice(err instanceof ApiProblem ? err.message : `Unexpected error: ${String(err)}`, true);
  render();
}

function askForKey(message: string): void {
  live.stop();
  state.store.clear();
  render();
  actionStatus("");
  $("key-panel").hidden = false;
  document.body.dataset.auth = "needed";
  $("key-error").textContent = message;
  $("key-error").hidden = !message;
  const input = $<HTMLInputElement>("key");
  input.value = "";
  input.focus();
}

// ---------------------------------------------------------------- wiring

function start(): void {
  field("level").append(...LEVELS.map((level) => h("option", { value: level }, `${level} and above`)));
  syncControls();

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $<HTMLInputElement>("key").value.trim();
    if (!key) return;
    forgetApiKey();
    setApiKey(key);
    $("key-panel").hidden = true;
    document.body.dataset.auth = "ok";
    reload();
  });
  $("forget").addEventListener("click", () => {
    forgetApiKey();
    state.generation++;
    askForKey("The key was forgotten: this tab no longer holds it.");
  });
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    setQuery(readForm());
  });
  form().addEventListener("change", () => setQuery(readForm()));
  $("clear-filters").addEventListener("click", () =>
    setQuery({
      range: state.query.range,
      since: state.query.since,
      until: state.query.until,
      live: state.query.live,
    }),
  );
  $("range").addEventListener("change", (event) => {
    const value = (event.target as HTMLInputElement).value;
    if (value === "custom") {
      // The custom range starts as the window shown now, to be edited.
      setQuery({
        ...state.query,
        range: "custom",
        since: state.window.since,
        until: state.window.until,
        live: false,
      });
    } else if (value === "15m" || value === "1h" || value === "24h" || value === "7d") {
      setQuery({ ...state.query, range: value, since: undefined, until: undefined });
    }
  });
  $("live").addEventListener("change", (event) => {
    state.query = { ...state.query, live: (event.target as HTMLInputElement).checked };
    history.replaceState(null, "", location.pathname + formatQuery(state.query));
    live.schedule(0);
  });
  $("refresh").addEventListener("click", reload);
  $("more").addEventListener("click", () => {
    state.emptyFollows = 0;
    void loadPage();
  });
  $("flush").addEventListener("click", () => void runFlush({ reload, fail, render }));
  $("export").addEventListener("click", () => {
    const window = state.query.live ? { ...state.window, until: Date.now() } : state.window;
    void runExport(state.query, window, fail);
  });
  new IntersectionObserver((seen) => {
    if (seen.some((e) => e.isIntersecting)) followCursor();
  }).observe($("sentinel"));
  document.addEventListener("visibilitychange", () => live.visibilityChanged());
  window.addEventListener("popstate", () => {
    state.query = parseQuery(location.search);
    syncControls();
    reload();
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(render, 150);
  });

  if (apiKey()) {
    document.body.dataset.auth = "ok";
    reload();
  } else {
    askForKey("");
  }
}

start();
