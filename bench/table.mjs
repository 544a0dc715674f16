// Plain-text tables in Markdown syntax: readable in a terminal, pasteable in a README.

/**
 * @param {string[]} header
 * @param {(string | number)[][]} rows
 * @param {("l" | "r")[]} [align]   per column; default: left for the first, right for the rest
 */
export function renderTable(header, rows, align) {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? "").length)));
  const side = (/** @type {number} */ i) => align?.[i] ?? (i === 0 ? "l" : "r");
  const line = (/** @type {string[]} */ r) =>
    `| ${r.map((c, i) => (side(i) === "l" ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (side(i) === "l" ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...cells.slice(1).map(line)].join("\n");
}

/**
 * A number with thousands separators and `digits` decimals.
 * @param {number} n
 * @param {number} [digits]
 */
export function num(n, digits = 0) {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Milliseconds, with more decimals when small.
 * @param {number} ms
 */
export function ms(ms) {
  if (!Number.isFinite(ms)) return "–";
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

/**
 * A ratio as "0.42×".
 * @param {number} r
 */
export function ratio(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "–";
}

/**
 * Dollars: cents precision above $1, more digits below.
 * @param {number} d
 */
export function usd(d) {
  if (!Number.isFinite(d)) return "–";
  return d >= 1 ? `$${d.toFixed(2)}` : d >= 0.01 ? `$${d.toFixed(3)}` : `$${d.toFixed(4)}`;
}

/**
 * Bytes as MiB.
 * @param {number} b
 */
export function mib(b) {
  return Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(1)} MiB` : "–";
}

/**
 * The median of `values` (NaN for none).
 * @param {number[]} values
 */
export function median(values) {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * How `x` compares with `ref` measured in the same rounds: the median of the
 * per-round ratios of entries/s. Neighbouring runs see the same machine, so
 * drift on a shared host (which moves both) cancels, and one disturbed round
 * cannot move the figure. Rows without rounds compare their totals.
 * @param {{ entriesPerS: number, roundEntriesPerS?: number[] }} x
 * @param {{ entriesPerS: number, roundEntriesPerS?: number[] }} ref
 */
export function pairedRatio(x, ref) {
  const a = x.roundEntriesPerS;
  const b = ref.roundEntriesPerS;
  if (!a?.length || a.length !== b?.length) return x.entriesPerS / ref.entriesPerS;
  return median(a.map((v, i) => v / /** @type {number} */ (b[i])));
}
