/** The viewer's stylesheet, served as `/ui/app.css`. Light and dark follow the system. */
export const APP_CSS = `:root {
  color-scheme: light dark;
  --bg: #f7f8fa;
  --panel: #ffffff;
  --fg: #1b1f27;
  --muted: #5b6472;
  --line: #dde1e7;
  --hover: #eef2f8;
  --accent: #1f5fd6;
  --danger: #c11f2b;
  --debug: #6b7280;
  --info: #1f6feb;
  --warn: #a86300;
  --error: #d1242f;
  --fatal: #8a1cb5;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #101318;
    --panel: #171b22;
    --fg: #e4e7ec;
    --muted: #98a1ae;
    --line: #2a303a;
    --hover: #1e2530;
    --accent: #7aa7ff;
    --danger: #ff7b7b;
    --debug: #9aa3af;
    --info: #58a6ff;
    --warn: #e3a008;
    --error: #ff6b6b;
    --fatal: #d38bff;
  }
}

* { box-sizing: border-box; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
code, pre, .c-time, .c-request, .objects code { font-family: var(--mono); font-size: 12.5px; }
h1 { font-size: 17px; margin: 0; display: flex; align-items: center; gap: 8px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.muted { color: var(--muted); }
.error, .warning { color: var(--danger); }
.sr-only {
  position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; margin: -1px; padding: 0; border: 0;
}
[hidden] { display: none !important; }
body[data-auth="needed"] .needs-key { display: none !important; }

button, input, select {
  font: inherit;
  color: inherit;
  background: var(--panel);
  border: 1px solid var(--line);
  border-radius: 6px;
  padding: 5px 9px;
  min-height: 32px;
}
button { cursor: pointer; }
button:hover:not(:disabled) { background: var(--hover); }
button:disabled { opacity: 0.6; cursor: default; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }

.bar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px;
  padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 1;
}
.spacer { flex: 1; }
.segmented { display: inline-flex; border: 0; margin: 0; padding: 0; }
.segmented input { position: absolute; opacity: 0; pointer-events: none; }
.segmented label {
  border: 1px solid var(--line); padding: 5px 10px; cursor: pointer; background: var(--panel);
}
.segmented label:first-of-type { border-radius: 6px 0 0 6px; }
.segmented label:last-of-type { border-radius: 0 6px 6px 0; border-left: 0; }
.segmented input:checked + label { background: var(--accent); border-color: var(--accent); color: var(--panel); }
.segmented input:focus-visible + label { outline: 2px solid var(--accent); outline-offset: 1px; }
.switch { display: inline-flex; align-items: center; gap: 6px; cursor: pointer; }
.switch input { appearance: none; width: 34px; height: 20px; min-height: 0; padding: 0; border-radius: 10px; position: relative; cursor: pointer; background: var(--line); border: 0; }
.switch input::after {
  content: ""; position: absolute; top: 3px; left: 3px; width: 14px; height: 14px;
  border-radius: 50%; background: var(--panel); transition: left 0.15s;
}
.switch input:checked { background: var(--accent); }
.switch input:checked::after { left: 17px; }
.switch input:disabled { opacity: 0.5; }

main { padding: 12px 16px 40px; max-width: 1400px; margin: 0 auto; }
.panel, .stats, #notice {
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 0 0 12px;
}
#key-panel { max-width: 560px; margin: 24px auto; }
#key-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
#key-form input { flex: 1; min-width: 180px; }
#notice { border-color: var(--danger); }
.stats.failed { border-color: var(--danger); color: var(--danger); }

.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; margin: 0 0 12px; }
.filters label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
.filters input, .filters select { color: var(--fg); font-size: 14px; }
.filters input[type="text"], .filters input[type="search"] { width: 170px; }
.filters .actions { display: flex; gap: 8px; }

.objects { list-style: none; margin: 8px 0; padding: 0; }
.objects li { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: center; padding: 6px 0; border-top: 1px solid var(--line); }
.objects code { overflow-wrap: anywhere; }

.chart { margin: 0 0 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.chart svg { display: block; max-width: 100%; height: auto; }
.chart .axis { stroke: var(--line); }
.chart .label { fill: var(--muted); font-size: 11px; font-family: var(--mono); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin-top: 4px; }
.legend .key { display: inline-flex; align-items: center; gap: 5px; }
.swatch { width: 10px; height: 10px; border-radius: 2px; display: inline-block; background: currentColor; }

.bar.lvl-debug, .swatch.lvl-debug { fill: var(--debug); color: var(--debug); }
.bar.lvl-info, .swatch.lvl-info { fill: var(--info); color: var(--info); }
.bar.lvl-warn, .swatch.lvl-warn { fill: var(--warn); color: var(--warn); }
.bar.lvl-error, .swatch.lvl-error { fill: var(--error); color: var(--error); }
.bar.lvl-fatal, .swatch.lvl-fatal { fill: var(--fatal); color: var(--fatal); }

.table-wrap { overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: baseline; }
tr.entry { cursor: pointer; }
tr.entry:hover { background: var(--hover); }
tr.fresh { animation: arrive 2s ease-out; }
@keyframes arrive { from { background: color-mix(in srgb, var(--accent) 22%, transparent); } }
.c-toggle { width: 28px; padding-right: 0; }
.toggle { border: 0; background: transparent; min-height: 0; padding: 0 4px; color: var(--muted); }
.c-time { white-space: nowrap; color: var(--muted); }
.c-service { white-space: nowrap; }
.c-message { overflow-wrap: anywhere; white-space: pre-wrap; width: 60%; }
.rid {
  border: 0; background: transparent; padding: 0; min-height: 0; color: var(--accent);
  text-decoration: underline dotted; text-align: left; overflow-wrap: anywhere; font: inherit;
}
.badge {
  display: inline-block; min-width: 46px; text-align: center; padding: 0 6px; border-radius: 9px;
  font-size: 12px; font-weight: 600; line-height: 18px;
  color: var(--c); background: color-mix(in srgb, var(--c) 15%, transparent);
  border: 1px solid color-mix(in srgb, var(--c) 45%, transparent);
}
.badge.lvl-debug { --c: var(--debug); }
.badge.lvl-info { --c: var(--info); }
.badge.lvl-warn { --c: var(--warn); }
.badge.lvl-error { --c: var(--error); }
.badge.lvl-fatal { --c: var(--fatal); }
.badge.lvl-unknown { --c: var(--muted); }
tr.detail td { background: var(--bg); }
tr.detail pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 420px; overflow: auto; }
.empty { text-align: center; padding: 28px 12px; color: var(--muted); }
#more { margin: 12px auto; display: block; }

/* Phone width: each entry becomes a small card. */
@media (max-width: 640px) {
  .bar, main { padding-left: 10px; padding-right: 10px; }
  .filters label { flex: 1 1 140px; }
  .filters input[type="text"], .filters input[type="search"], .filters select, .filters input { width: 100%; min-width: 0; }
  thead { display: none; }
  table, tbody { display: block; }
  tr.entry {
    display: grid; grid-template-columns: auto auto 1fr; gap: 2px 8px; align-items: center;
    padding: 6px 8px; border-bottom: 1px solid var(--line);
  }
  tr.entry td { display: block; padding: 0; border: 0; }
  .c-toggle { grid-row: 1; grid-column: 1; width: auto; }
  .c-time { grid-row: 1; grid-column: 2; }
  .c-level { grid-row: 1; grid-column: 3; justify-self: end; }
  .c-service { grid-column: 1 / -1; color: var(--muted); }
  .c-service:empty, .c-request:empty { display: none; }
  .c-message { grid-column: 1 / -1; width: auto; }
  .c-request { grid-column: 1 / -1; }
  tr.detail { display: block; }
  tr.detail td { display: block; }
}
`;
