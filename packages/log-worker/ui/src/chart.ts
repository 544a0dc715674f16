/**
 * Entries per time bucket over the view's window, stacked by level: a small SVG.
 * The number of buckets is bounded (MAX_BUCKETS) whatever the window or the
 * timestamps: a window from 1970 to 9999 gets buckets of ~134 years, not
 * millions of one-minute ones. Entries outside the window are not drawn.
 */
import { h, s } from "./dom";
import type { Item } from "./entries";
import { LEVELS, levelClass, rank } from "./levels";
import type { TimeWindow } from "./query";
import { durationName, localDate, localTime } from "./time";

export const MAX_BUCKETS = 60;

const NICE_STEPS = [
  1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5,
  1728e5, 6048e5, 2592e6, 31536e6,
];

export interface Buckets {
  start: number;
  step: number;
  /** counts[bucket][level rank] */
  counts: number[][];
  outside: number;
}

/** Buckets for a window: at most MAX_BUCKETS + 1, each a "nice" length where one fits. */
export function bucketize(items: readonly Item[], window: TimeWindow): Buckets {
  const span = Math.max(1, window.until - window.since);
  const step = NICE_STEPS.find((ms) => span / ms <= MAX_BUCKETS) ?? Math.ceil(span / MAX_BUCKETS);
  const start = Math.floor(window.since / step) * step;
  const length = Math.min(MAX_BUCKETS + 1, Math.floor((window.until - start) / step) + 1);
  const counts = Array.from({ length }, () => LEVELS.map(() => 0));
  let outside = 0;
  for (const item of items) {
    const bucket = counts[Math.floor((item.t - start) / step)];
    const level = rank(item.e.level);
    if (!bucket || level < 0 || item.t < window.since || item.t > window.until) outside++;
    else bucket[level] = (bucket[level] ?? 0) + 1;
  }
  return { start, step, counts, outside };
}

function axisLabel(t: number, step: number): string {
  const d = new Date(t);
  if (step >= 864e5) return localDate(d);
  const time = localTime(d);
  return step >= 6e4 ? time.slice(0, -7) : time.slice(0, -4);
}

function describeCounts(counts: readonly number[]): string {
  const parts = LEVELS.map((level, i) => (counts[i] ? `${counts[i]} ${level}` : "")).filter(Boolean);
  return parts.length ? parts.join(", ") : "none";
}

/** Draws the chart into the figure; clicking a bar calls `zoom` with that bucket's window. */
export function renderChart(
  figure: HTMLElement,
  items: readonly Item[],
  window: TimeWindow,
  zoom: (window: TimeWindow) => void,
): void {
  const svg = figure.querySelector("svg");
  const legend = figure.querySelector("figcaption");
  if (!svg || !legend) return;
  figure.hidden = items.length === 0;
  if (figure.hidden) {
    svg.replaceChildren();
    return;
  }
  const { start, step, counts, outside } = bucketize(items, window);
  const sums = counts.map((b) => b.reduce((a, n) => a + n, 0));
  let max = 1;
  for (const sum of sums) max = Math.max(max, sum);
  const totals = LEVELS.map((_, i) => counts.reduce((sum, b) => sum + (b[i] ?? 0), 0));

  const width = Math.max(280, Math.round(figure.clientWidth - 20 || 600));
  const height = 120;
  const left = 34;
  const plotW = width - left - 4;
  const plotH = height - 18 - 6;
  const barW = plotW / counts.length;
  const end = Math.min(start + counts.length * step, window.until);
  const nodes: SVGElement[] = [
    s("line", { x1: left, x2: width - 4, y1: 6 + plotH + 0.5, y2: 6 + plotH + 0.5, class: "axis" }),
    s("text", { x: left - 4, y: 14, "text-anchor": "end", class: "label" }, String(max)),
    s("text", { x: left - 4, y: 6 + plotH, "text-anchor": "end", class: "label" }, "0"),
    s("text", { x: left, y: height - 4, class: "label" }, axisLabel(start, step)),
    s("text", { x: width - 4, y: height - 4, "text-anchor": "end", class: "label" }, axisLabel(end, step)),
  ];
  counts.forEach((bucket, i) => {
    const from = start + i * step;
    const group = s(
      "g",
      { class: "bucket", "data-count": sums[i] ?? 0 },
      s("title", {}, `${localTime(new Date(from))} + ${durationName(step)}: ${describeCounts(bucket)}`),
      // A transparent full-height target, so a bucket with few entries is easy to click.
      s("rect", {
        x: (left + i * barW).toFixed(1),
        y: 6,
        width: barW.toFixed(1),
        height: plotH,
        class: "hit",
      }),
    );
    let y = 6 + plotH;
    bucket.forEach((n, level) => {
      if (!n) return;
      const barH = (n / max) * plotH;
      y -= barH;
      group.append(
        s("rect", {
          x: (left + i * barW + 0.5).toFixed(1),
          y: y.toFixed(1),
          width: Math.max(1, barW - 1).toFixed(1),
          height: barH.toFixed(1),
          class: `bar ${levelClass(LEVELS[level])}`,
        }),
      );
    });
    if (sums[i]) {
      group.addEventListener("click", () =>
        zoom({ since: Math.max(from, window.since), until: Math.min(from + step - 1, window.until) }),
      );
    }
    nodes.push(group);
  });
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute(
    "aria-label",
    `Log volume per ${durationName(step)} in ${counts.length} buckets, of the ${items.length} loaded entries: ${describeCounts(totals)}`,
  );
  svg.dataset.buckets = String(counts.length);
  svg.replaceChildren(...nodes);
  legend.replaceChildren(
    ...LEVELS.map((level, i) =>
      h(
        "span",
        { class: "key" },
        h("span", { class: `swatch ${levelClass(level)}` }),
        `${level} ${totals[i]}`,
      ),
    ),
    h(
      "span",
      { class: "muted" },
      ` per ${durationName(step)}, loaded entries only${outside ? ` (${outside} outside the range)` : ""}; click a bar to zoom in`,
    ),
  );
}
