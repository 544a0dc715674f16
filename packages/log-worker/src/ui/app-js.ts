/**
 * The viewer's script, served as `/ui/app.js`: plain modern JS, no framework, no build step.
 *
 * It lives in a TS string so that wrangler, the vitest plugin and tsc all load it
 * without module rules. Inside the string: no template literals and no `${`
 * (the only interpolation is the level list, so it cannot drift from the schema).
 * Log content is untrusted: it reaches the page through textContent, attribute
 * values and createElement only, never as HTML (test/ui.test.ts checks for it).
 */
import { LOG_LEVELS } from "@log-service/client/schema";

export const APP_JS = String.raw`// log-worker's log viewer. Served by the worker; talks to /debug/* with the
// API key kept in sessionStorage. Log content is rendered as text, never HTML.
const LEVELS = ${JSON.stringify(LOG_LEVELS)};
const KEY_STORAGE = "log-viewer.api-key";
const FILTERS = ["level", "service", "q", "requestId", "since", "until"];
const PAGE_LIMIT = 500; // entries per /debug/kv-logs request
const SCAN_LIMIT = 1000; // per request while the request-id filter runs here
const SCAN_PAGES = 10; // pages followed at most for one request-id search
const POLL_MS = 3000; // live mode
const MAX_BACKOFF_MS = 30000; // live mode after failures
const MAX_ENTRIES = 5000; // kept in memory; the oldest are dropped past this
const MAX_ROWS = 500; // rows rendered (newest first)

const state = {
  source: "kv", // "kv": waiting in KV; "r2": archived in R2
  date: "", // archived day shown, YYYY-MM-DD (UTC)
  filters: {},
  entries: new Map(), // dedupe key -> { e, t, seq }
  seq: 0,
  expanded: new Set(),
  fresh: new Set(), // ids that arrived by live polling, highlighted once
  openedAt: 0, // browser time the view was (re)loaded: older entries are not "new"
  cursor: null, // KV: next page
  tail: null, // KV: where live polling resumes
  r2Cursor: null,
  loadedObjects: new Set(),
  live: false,
  timer: 0,
  failures: 0,
  polls: 0,
  lastPoll: null,
  busy: false,
  generation: 0, // bumped by every reload: answers to older requests are dropped
  controller: null,
};

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes, never HTML). */
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  node.append(...children);
  return node;
}

/** The same for SVG. */
function s(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(node, attrs);
  node.append(...children);
  return node;
}

function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
}

// ---------------------------------------------------------------- API

class ApiProblem extends Error {
  /** kind: "auth" (no or wrong key), "unreachable", "missing" (404/501), "server". */
  constructor(kind, message, status) {
    super(message);
    this.kind = kind;
    this.status = status || 0;
  }
}

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** fetch against log-worker with the key; throws ApiProblem for anything but 2xx. */
async function api(path, signal) {
  const key = apiKey();
  if (!key) throw new ApiProblem("auth", "Enter the API key to read the logs.");
  let res;
  try {
    res = await fetch(path, {
      headers: { "X-API-Key": key },
      credentials: "omit",
      cache: "no-store",
      signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiProblem(
      "unreachable",
      "Cannot reach log-worker at " + location.origin + ": is it running? (" + err.message + ")",
    );
  }
  if (res.ok) return res;
  const body = await res.json().catch(() => null);
  const code = body?.error?.code || "http_" + res.status;
  const message = body?.error?.message || res.statusText;
  if (res.status === 401) {
    throw new ApiProblem("auth", "log-worker refused the key (" + code + "): " + message, 401);
  }
  const text = "log-worker answered " + res.status + " " + code + ": " + message;
  throw new ApiProblem(res.status === 404 || res.status === 501 ? "missing" : "server", text, res.status);
}

// ---------------------------------------------------------------- entries

const rank = (level) => LEVELS.indexOf(level);

function matches(e, f) {
  if (f.level && rank(e.level) < rank(f.level)) return false;
  if (f.service && e.service !== f.service) return false;
  if (f.requestId && e.requestId !== f.requestId) return false;
  if (f.q && !String(e.message).toLowerCase().includes(f.q.toLowerCase())) return false;
  const t = Date.parse(e.timestamp);
  if (f.since && !(t >= Date.parse(f.since))) return false;
  if (f.until && !(t <= Date.parse(f.until))) return false;
  return true;
}

/** Adds entries once each (by id); returns how many were new. */
function addEntries(list, fresh) {
  let added = 0;
  for (const e of list) {
    if (typeof e !== "object" || e === null) continue;
    const id = typeof e.id === "string" ? e.id : JSON.stringify(e);
    if (state.entries.has(id)) continue;
    const t = Date.parse(e.timestamp);
    state.entries.set(id, { e, id, t: Number.isNaN(t) ? 0 : t, seq: state.seq++ });
    // Live polling may also walk through older waiting entries (when the first
    // page was not the last): only what was received since the view opened is new.
    if (fresh && !(Date.parse(e.receivedAt) < state.openedAt - 5000)) state.fresh.add(id);
    added++;
  }
  if (state.entries.size > MAX_ENTRIES) {
    const oldest = [...state.entries.values()].sort(byTime).slice(MAX_ENTRIES);
    for (const item of oldest) state.entries.delete(item.id);
  }
  return added;
}

/** Newest first; entries of one batch keep their order. */
function byTime(a, b) {
  return b.t - a.t || b.seq - a.seq;
}

function clearEntries() {
  state.entries.clear();
  state.expanded.clear();
  state.fresh.clear();
  state.loadedObjects.clear();
  state.cursor = null;
  state.tail = null;
  state.r2Cursor = null;
}

// ---------------------------------------------------------------- URL <-> filters

const todayUtc = () => new Date().toISOString().slice(0, 10);

function readUrl() {
  const p = new URLSearchParams(location.search);
  state.source = p.get("source") === "r2" ? "r2" : "kv";
  const date = p.get("date") || "";
  state.date = /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : todayUtc();
  state.filters = {};
  for (const name of FILTERS) {
    const value = (p.get(name) || "").trim();
    if (value) state.filters[name] = value;
  }
  if (state.filters.level && rank(state.filters.level) < 0) delete state.filters.level;
  for (const name of ["since", "until"]) {
    if (state.filters[name] && Number.isNaN(Date.parse(state.filters[name]))) delete state.filters[name];
  }
  state.live = p.get("live") === "1";
}

function writeUrl(push) {
  const p = new URLSearchParams();
  if (state.source === "r2") {
    p.set("source", "r2");
    p.set("date", state.date);
  }
  for (const name of FILTERS) if (state.filters[name]) p.set(name, state.filters[name]);
  if (state.live && state.source === "kv") p.set("live", "1");
  const query = p.toString();
  const url = location.pathname + (query ? "?" + query : "");
  if (url !== location.pathname + location.search)
    history[push ? "pushState" : "replaceState"](null, "", url);
}

/** datetime-local value (local time) from an ISO instant, and back. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

function fromLocalInput(value) {
  const d = new Date(value);
  return value && !Number.isNaN(d.getTime()) ? d.toISOString() : "";
}

function syncControls() {
  const form = $("filters");
  form.level.value = state.filters.level || "";
  form.service.value = state.filters.service || "";
  form.q.value = state.filters.q || "";
  form.requestId.value = state.filters.requestId || "";
  form.since.value = state.filters.since ? toLocalInput(state.filters.since) : "";
  form.until.value = state.filters.until ? toLocalInput(state.filters.until) : "";
  $("source-" + state.source).checked = true;
  $("archive").hidden = state.source !== "r2";
  $("archive-date").value = state.date;
  $("live").checked = state.live;
  $("live").disabled = state.source !== "kv";
}

function readFilterForm() {
  const form = $("filters");
  const next = {
    level: form.level.value,
    service: form.service.value.trim(),
    q: form.q.value.trim(),
    requestId: form.requestId.value.trim(),
    since: fromLocalInput(form.since.value),
    until: fromLocalInput(form.until.value),
  };
  for (const name of FILTERS) if (!next[name]) delete next[name];
  return next;
}

function setFilters(next) {
  if (JSON.stringify(next) === JSON.stringify(state.filters)) return;
  state.filters = next;
  syncControls();
  writeUrl(true);
  if (state.source === "kv") reload();
  else render();
}

// ---------------------------------------------------------------- loading

function kvPath(cursor, limit) {
  const p = new URLSearchParams({ limit: String(limit) });
  // Every filter, requestId included, is a /debug/kv-logs parameter; matches()
  // applies the same filters here to archived objects and live polls.
  for (const name of FILTERS) if (state.filters[name]) p.set(name, state.filters[name]);
  if (cursor) p.set("cursor", cursor);
  return "/debug/kv-logs?" + p;
}

/** A fresh start of the current view: entries, stats and, for KV, live polling. */
function reload() {
  state.openedAt = Date.now();
  stopPolling();
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  state.generation++;
  clearEntries();
  notice("");
  render();
  if (!apiKey()) return askForKey("");
  loadStats();
  if (state.source === "kv") loadKv();
  else loadArchive(false);
}

/** One page of waiting entries (the next one after "Load more"), or several while the request-id filter runs here. */
async function loadKv() {
  const generation = state.generation;
  const scanning = Boolean(state.filters.requestId);
  setBusy(true);
  try {
    let pages = 0;
    let found = 0;
    do {
      const path = kvPath(state.cursor, scanning ? SCAN_LIMIT : PAGE_LIMIT);
      const res = await api(path, state.controller.signal);
      const page = await res.json();
      if (generation !== state.generation) return;
      found += addEntries(
        page.logs.filter((e) => matches(e, state.filters)),
        false,
      );
      state.cursor = page.cursor;
      state.tail = page.tail || page.cursor;
      pages++;
    } while (scanning && state.cursor && found < PAGE_LIMIT && pages < SCAN_PAGES);
    setBusy(false);
    notice("");
    render();
    schedulePoll();
  } catch (err) {
    if (generation !== state.generation) return;
    setBusy(false);
    fail(err);
  }
}

async function loadArchive(more) {
  const generation = state.generation;
  const list = $("objects");
  if (!more) list.replaceChildren();
  $("archive-more").hidden = true;
  $("archive-all").hidden = true;
  setArchiveMessage("Listing archived objects for " + state.date + " (UTC)…");
  const p = new URLSearchParams({ date: state.date, limit: "100" });
  if (more && state.r2Cursor) p.set("cursor", state.r2Cursor);
  try {
    const res = await api("/debug/r2-logs?" + p, state.controller.signal);
    const body = await res.json();
    if (generation !== state.generation) return;
    for (const object of body.objects) list.append(objectItem(object));
    state.r2Cursor = body.cursor;
    $("archive-more").hidden = !body.cursor;
    $("archive-all").hidden = list.children.length < 2;
    setArchiveMessage(
      list.children.length === 0
        ? "Nothing was archived for " + state.date + " (UTC)."
        : list.children.length +
            " archived object" +
            (list.children.length === 1 ? "" : "s") +
            " for " +
            state.date +
            " (UTC).",
    );
    render();
  } catch (err) {
    if (generation !== state.generation) return;
    if (err.kind === "missing") {
      setArchiveMessage(
        "Archived logs are not available from this log-worker yet (" +
          err.message +
          "). Entries waiting in KV still are.",
        true,
      );
    } else {
      setArchiveMessage("");
      fail(err);
    }
  }
}

function objectItem(object) {
  const button = h("button", { type: "button", class: "show-object" }, "Show entries");
  button.addEventListener("click", () => loadObject(object.key, button));
  const uploaded = new Date(object.uploaded);
  return h(
    "li",
    { "data-key": object.key },
    h("code", {}, String(object.key)),
    h(
      "span",
      { class: "muted" },
      // The count comes from the object's metadata; objects written without it say null.
      typeof object.entries === "number" ? " " + object.entries.toLocaleString() + " entries ·" : "",
      " " + formatBytes(object.size) + " · uploaded ",
      h("time", { datetime: object.uploaded, title: utcTitle(uploaded) }, localTime(uploaded)),
      " ",
    ),
    button,
  );
}

async function loadObject(key, button) {
  if (state.loadedObjects.has(key)) return;
  const generation = state.generation;
  button.disabled = true;
  button.textContent = "Loading…";
  try {
    // Keys look like logs/dt=2026-11-28/<name>.ndjson.gz: keep "/" and "=" as they are.
    const path = "/debug/r2-logs/" + encodeURI(key).replace(/[?#]/g, encodeURIComponent);
    const text = await (await api(path, state.controller.signal)).text();
    if (generation !== state.generation) return;
    const entries = [];
    let bad = 0;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line));
      } catch {
        bad++;
      }
    }
    addEntries(entries, false);
    state.loadedObjects.add(key);
    button.textContent = "Shown";
    notice(bad ? bad + " line(s) of " + key + " are not JSON and were skipped." : "");
    render();
  } catch (err) {
    if (generation !== state.generation) return;
    button.disabled = false;
    button.textContent = "Show entries";
    fail(err);
  }
}

async function loadStats() {
  const box = $("stats");
  const generation = state.generation;
  try {
    const body = await (await api("/debug/stats", state.controller.signal)).json();
    if (generation !== state.generation) return;
    if (!body || !("lastRun" in body)) throw new Error("no lastRun");
    box.replaceChildren(...describeRun(body.lastRun), ...describeActivity(body));
    box.className = body.lastRun && !body.lastRun.ok ? "stats failed" : "stats";
    box.hidden = false;
  } catch {
    // Quietly absent: older workers have no /debug/stats, and errors show elsewhere.
    if (generation === state.generation) box.hidden = true;
  }
}

function describeRun(run) {
  if (!run) return ["No archive run recorded yet."];
  const finished = new Date(run.finishedAt || run.startedAt);
  const parts = [
    "Last archive run (" + run.trigger + ") ",
    run.ok ? "finished " : "failed ",
    h("time", { datetime: finished.toISOString(), title: utcTitle(finished) }, localTime(finished)),
  ];
  if (run.ok) {
    parts.push(
      ": " +
        run.entries +
        " entries from " +
        run.keys +
        " keys into " +
        run.objects +
        " object" +
        (run.objects === 1 ? "" : "s"),
      run.remaining ? "; more were waiting, the next run goes on." : ".",
    );
  } else {
    parts.push(": " + (run.error || "unknown error"));
  }
  return parts;
}

/** Optional extras of /debug/stats: a run holding the lease, a drain that is due. */
function describeActivity(body) {
  const parts = [];
  if (body.lease && Date.parse(body.lease.expiresAt) > Date.now()) {
    const since = new Date(body.lease.acquiredAt);
    parts.push(
      " A " + body.lease.trigger + " run is in progress since ",
      h("time", { title: utcTitle(since) }, localTime(since)),
      ".",
    );
  }
  if (body.pending) parts.push(" More is waiting to be archived (" + body.pending.reason + ").");
  return parts;
}

// ---------------------------------------------------------------- live mode

function schedulePoll(delay) {
  stopPolling();
  const canPoll = state.live && state.source === "kv" && state.tail && apiKey();
  if (canPoll && document.visibilityState === "visible") {
    state.timer = setTimeout(poll, delay === undefined ? POLL_MS : delay);
  }
  liveStatus();
}

function stopPolling() {
  clearTimeout(state.timer);
  state.timer = 0;
}

async function poll() {
  const generation = state.generation;
  state.timer = 0;
  try {
    const limit = state.filters.requestId ? SCAN_LIMIT : PAGE_LIMIT;
    const res = await api(kvPath(state.tail, limit), state.controller.signal);
    const page = await res.json();
    if (generation !== state.generation) return;
    const added = addEntries(
      page.logs.filter((e) => matches(e, state.filters)),
      true,
    );
    state.tail = page.tail || page.cursor || state.tail;
    state.polls++;
    state.lastPoll = new Date();
    if (state.failures) notice("");
    state.failures = 0;
    // Nothing new: leave the table alone (focus, selection, expanded rows).
    if (added) render();
    schedulePoll();
  } catch (err) {
    if (generation !== state.generation || err.name === "AbortError") return;
    state.failures++;
    fail(err);
    if (err.kind !== "auth") schedulePoll(Math.min(POLL_MS * 2 ** state.failures, MAX_BACKOFF_MS));
  }
}

function liveStatus() {
  const out = $("live-status");
  out.dataset.polls = String(state.polls);
  if (state.source !== "kv") out.textContent = "";
  else if (!state.live) out.textContent = "Live off";
  else if (document.visibilityState !== "visible") out.textContent = "Live paused while this tab is hidden";
  else if (state.failures) out.textContent = "Live: retrying";
  else if (state.lastPoll) out.textContent = "Live · checked " + localTime(state.lastPoll).slice(-12, -4);
  else out.textContent = "Live";
}

// ---------------------------------------------------------------- rendering

const pad = (n, width) => String(n).padStart(width || 2, "0");

function localTime(d) {
  if (Number.isNaN(d.getTime())) return "?";
  const time =
    pad(d.getHours()) +
    ":" +
    pad(d.getMinutes()) +
    ":" +
    pad(d.getSeconds()) +
    "." +
    pad(d.getMilliseconds(), 3);
  if (d.toDateString() === new Date().toDateString()) return time;
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
}

function utcTitle(d) {
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace("T", " ").replace("Z", " UTC");
}

function formatBytes(n) {
  const size = Number(n) || 0;
  if (size < 1024) return size + " B";
  if (size < 1048576) return (size / 1024).toFixed(1) + " KiB";
  return (size / 1048576).toFixed(1) + " MiB";
}

function levelClass(level) {
  return rank(level) >= 0 ? "lvl-" + level : "lvl-unknown";
}

function render() {
  const list = [...state.entries.values()].filter((item) => matches(item.e, state.filters)).sort(byTime);
  renderChart(list);
  renderRows(list.slice(0, MAX_ROWS));
  const count = list.length.toLocaleString() + " entr" + (list.length === 1 ? "y" : "ies");
  $("summary").textContent = state.busy
    ? "Loading…"
    : list.length > MAX_ROWS
      ? count + ", the newest " + MAX_ROWS + " shown"
      : list.length
        ? count
        : "";
  $("more").hidden = !(state.source === "kv" && state.cursor);
  renderEmpty(list.length);
  $("forget").hidden = !apiKey();
  liveStatus();
  state.fresh.clear();
}

function renderEmpty(count) {
  const box = $("empty");
  box.hidden = count > 0 || !apiKey() || state.busy;
  if (box.hidden) return;
  const filtered = FILTERS.some((name) => state.filters[name]);
  const text = filtered
    ? "No entries match these filters."
    : state.source === "kv"
      ? "No entries are waiting in KV. New logs show up here until the archive job moves them to R2."
      : "Choose an archived object above to show its entries.";
  const parts = [h("p", {}, text)];
  if (filtered) {
    const clear = h("button", { type: "button" }, "Clear filters");
    clear.addEventListener("click", () => setFilters({}));
    parts.push(clear);
  }
  box.replaceChildren(...parts);
}

function renderRows(list) {
  // Rows are rebuilt: remember which control had the focus, to give it back.
  const tbody = $("rows");
  const focused = tbody.contains(document.activeElement) ? document.activeElement : null;
  const focusRow = focused?.closest("tr.entry")?.dataset.id;
  const focusClass = focused?.classList[0];
  const rows = [];
  for (const item of list) {
    rows.push(entryRow(item));
    if (state.expanded.has(item.id)) rows.push(detailRow(item));
  }
  tbody.replaceChildren(...rows);
  if (focusRow !== undefined && focusClass) {
    const again = tbody.querySelector(
      'tr[data-id="' + CSS.escape(focusRow) + '"] .' + CSS.escape(focusClass),
    );
    if (again) again.focus({ preventScroll: true });
  }
}

function entryRow(item) {
  const e = item.e;
  const d = new Date(e.timestamp);
  const expanded = state.expanded.has(item.id);
  const toggle = h(
    "button",
    {
      type: "button",
      class: "toggle",
      "aria-expanded": String(expanded),
      "aria-label": "Show the full entry",
      title: "Show the full entry",
    },
    expanded ? "▾" : "▸",
  );
  toggle.addEventListener("click", () => toggleRow(item.id));
  let requestCell = "";
  if (typeof e.requestId === "string" && e.requestId) {
    requestCell = h(
      "button",
      { type: "button", class: "rid", title: "Show every entry of this request, across services" },
      e.requestId,
    );
    requestCell.addEventListener("click", () => setFilters({ requestId: e.requestId }));
  }
  const tr = h(
    "tr",
    {
      class: "entry" + (state.fresh.has(item.id) ? " fresh" : ""),
      "data-id": item.id,
      "data-level": String(e.level),
    },
    h("td", { class: "c-toggle" }, toggle),
    h(
      "td",
      { class: "c-time" },
      h(
        "time",
        { datetime: Number.isNaN(d.getTime()) ? null : d.toISOString(), title: utcTitle(d) },
        localTime(d),
      ),
    ),
    h("td", { class: "c-level" }, h("span", { class: "badge " + levelClass(e.level) }, String(e.level))),
    h("td", { class: "c-service" }, e.service === undefined ? "" : String(e.service)),
    h("td", { class: "c-message" }, String(e.message)),
    h("td", { class: "c-request" }, requestCell),
  );
  // A click anywhere on the row but a button expands it too.
  tr.addEventListener("click", (event) => {
    if (!event.target.closest("button") && !getSelection().toString()) toggleRow(item.id);
  });
  return tr;
}

function detailRow(item) {
  return h(
    "tr",
    { class: "detail" },
    h("td", { colspan: "6" }, h("pre", {}, JSON.stringify(item.e, null, 2))),
  );
}

function toggleRow(id) {
  if (state.expanded.has(id)) state.expanded.delete(id);
  else state.expanded.add(id);
  render();
  const toggle = $("rows").querySelector('tr[data-id="' + CSS.escape(id) + '"] .toggle');
  if (toggle) toggle.focus({ preventScroll: true });
}

/** Entries per time bucket, stacked by level: a small SVG, no library. */
function renderChart(list) {
  const figure = $("chart");
  const svg = $("chart-svg");
  const timed = list.filter((item) => item.t > 0);
  figure.hidden = timed.length === 0;
  if (figure.hidden) return svg.replaceChildren();
  const t0 = Math.min(...timed.map((item) => item.t));
  const t1 = Math.max(...timed.map((item) => item.t));
  const steps = [1e3, 5e3, 15e3, 6e4, 3e5, 9e5, 36e5, 108e5, 216e5, 864e5, 6048e5];
  const step = steps.find((ms) => (t1 - t0) / ms < 48) || steps[steps.length - 1];
  const start = Math.floor(t0 / step) * step;
  const buckets = Array.from({ length: Math.floor((t1 - start) / step) + 1 }, () => LEVELS.map(() => 0));
  for (const item of timed) {
    const level = rank(item.e.level);
    if (level >= 0) buckets[Math.floor((item.t - start) / step)][level]++;
  }
  const totals = LEVELS.map((_, i) => buckets.reduce((sum, b) => sum + b[i], 0));
  const max = Math.max(1, ...buckets.map((b) => b.reduce((a, n) => a + n, 0)));

  const width = Math.max(280, Math.round(svg.parentElement.clientWidth || 600));
  const height = 120;
  const left = 34;
  const bottom = 18;
  const plotW = width - left - 4;
  const plotH = height - bottom - 6;
  const barW = plotW / buckets.length;
  const nodes = [
    s("line", { x1: left, x2: width - 4, y1: 6 + plotH + 0.5, y2: 6 + plotH + 0.5, class: "axis" }),
    s("text", { x: left - 4, y: 14, "text-anchor": "end", class: "label" }, String(max)),
    s("text", { x: left - 4, y: 6 + plotH, "text-anchor": "end", class: "label" }, "0"),
    s("text", { x: left, y: height - 4, class: "label" }, axisTime(new Date(start), step)),
    s(
      "text",
      { x: width - 4, y: height - 4, "text-anchor": "end", class: "label" },
      axisTime(new Date(start + buckets.length * step), step),
    ),
  ];
  buckets.forEach((counts, i) => {
    let y = 6 + plotH;
    const from = new Date(start + i * step);
    const tip = localTime(from) + " + " + stepName(step) + ": " + describeCounts(counts);
    const group = s("g", {}, s("title", {}, tip));
    counts.forEach((n, level) => {
      if (!n) return;
      const barH = (n / max) * plotH;
      y -= barH;
      group.append(
        s("rect", {
          x: (left + i * barW + 0.5).toFixed(1),
          y: y.toFixed(1),
          width: Math.max(1, barW - 1).toFixed(1),
          height: barH.toFixed(1),
          class: "bar " + levelClass(LEVELS[level]),
        }),
      );
    });
    nodes.push(group);
  });
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute(
    "aria-label",
    "Log volume per " +
      stepName(step) +
      ", " +
      localTime(new Date(t0)) +
      " to " +
      localTime(new Date(t1)) +
      ": " +
      describeCounts(totals),
  );
  svg.replaceChildren(...nodes);
  $("legend").replaceChildren(
    ...LEVELS.map((level, i) =>
      h(
        "span",
        { class: "key" },
        h("span", { class: "swatch " + levelClass(level) }),
        level + " " + totals[i],
      ),
    ),
    h("span", { class: "muted" }, " per " + stepName(step)),
  );
}

/** An axis label: local time, to the minute or second the buckets need. */
function axisTime(d, step) {
  const time = localTime(d);
  return step >= 6e4 ? time.slice(0, -7) : time.slice(0, -4);
}

function stepName(ms) {
  if (ms < 6e4) return ms / 1e3 + " s";
  if (ms < 36e5) return ms / 6e4 + " min";
  if (ms < 864e5) return ms / 36e5 + " h";
  return ms / 864e5 + " d";
}

function describeCounts(counts) {
  const parts = LEVELS.map((level, i) => (counts[i] ? counts[i] + " " + level : "")).filter(Boolean);
  return parts.length ? parts.join(", ") : "none";
}

// ---------------------------------------------------------------- messages

function setBusy(busy) {
  state.busy = busy;
  $("table-wrap").setAttribute("aria-busy", String(busy));
  $("more").disabled = busy;
  if (busy) {
    $("summary").textContent = "Loading…";
    $("empty").hidden = true;
  }
}

function notice(text, retry) {
  const box = $("notice");
  box.hidden = !text;
  box.replaceChildren(text);
  if (retry) {
    const again = h("button", { type: "button" }, "Retry");
    again.addEventListener("click", reload);
    box.append(" ", again);
  }
}

function setArchiveMessage(text, warning) {
  const box = $("archive-message");
  box.textContent = text;
  box.className = warning ? "warning" : "muted";
}

function fail(err) {
  if (err.name === "AbortError") return;
  if (err.kind === "auth") {
    sessionStorage.removeItem(KEY_STORAGE);
    stopPolling();
    return askForKey(err.message);
  }
  notice(err.kind ? err.message : "Unexpected error: " + err.message, true);
  render();
}

function askForKey(message) {
  stopPolling();
  clearEntries();
  render();
  const panel = $("key-panel");
  panel.hidden = false;
  document.body.dataset.auth = "needed";
  $("key-error").textContent = message;
  $("key-error").hidden = !message;
  $("key").value = "";
  $("key").focus();
}

// ---------------------------------------------------------------- wiring

function start() {
  const levelSelect = $("filters").level;
  levelSelect.append(...LEVELS.map((level) => h("option", { value: level }, level + " and above")));
  readUrl();
  syncControls();

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    $("key-panel").hidden = true;
    document.body.dataset.auth = "ok";
    reload();
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    state.generation++;
    $("stats").hidden = true;
    askForKey("The key was forgotten: this tab no longer holds it.");
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    setFilters(readFilterForm());
  });
  $("filters").addEventListener("change", () => setFilters(readFilterForm()));
  $("clear-filters").addEventListener("click", () => setFilters({}));
  $("refresh").addEventListener("click", reload);
  $("more").addEventListener("click", () => loadKv());
  $("source").addEventListener("change", (event) => {
    state.source = event.target.value === "r2" ? "r2" : "kv";
    syncControls();
    writeUrl(true);
    reload();
  });
  $("archive-date").addEventListener("change", (event) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(event.target.value)) return;
    state.date = event.target.value;
    writeUrl(true);
    reload();
  });
  $("archive-more").addEventListener("click", () => loadArchive(true));
  $("archive-all").addEventListener("click", async () => {
    for (const button of $("objects").querySelectorAll("button.show-object:not(:disabled)")) {
      await loadObject(button.closest("li").dataset.key, button);
    }
  });
  $("live").addEventListener("change", (event) => {
    state.live = event.target.checked;
    state.failures = 0;
    writeUrl(false);
    schedulePoll(0);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") schedulePoll(0);
    else stopPolling();
    liveStatus();
  });
  window.addEventListener("popstate", () => {
    readUrl();
    syncControls();
    reload();
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 150);
  });

  if (apiKey()) {
    document.body.dataset.auth = "ok";
    reload();
  } else {
    askForKey("");
  }
}

start();
`;
