/**
 * Export: every entry of the current query as NDJSON, downloaded as a file.
 * It follows the cursor to the end (not only what is loaded in the table),
 * up to EXPORT_MAX entries.
 */
import { type Entry, searchLogs } from "./api";
import { h } from "./dom";
import type { TimeWindow, ViewQuery } from "./query";

export const EXPORT_MAX = 100_000;
const PAGE = 1000;

export interface ExportResult {
  entries: number;
  /** True when EXPORT_MAX stopped it before the end. */
  truncated: boolean;
  filename: string;
}

export async function exportNdjson(
  query: ViewQuery,
  window: TimeWindow,
  progress: (entries: number) => void,
): Promise<ExportResult> {
  const lines: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await searchLogs(query, window, { limit: PAGE, cursor });
    for (const e of page.logs as Entry[]) lines.push(JSON.stringify(e));
    cursor = page.cursor;
    progress(lines.length);
  } while (cursor && lines.length < EXPORT_MAX);
  const stamp = (t: number) => new Date(t).toISOString().replace(/[:.]/g, "-");
  const filename = `logs_${stamp(window.since)}_${stamp(window.until)}.ndjson`;
  const body = lines.length ? `${lines.join("\n")}\n` : "";
  const url = URL.createObjectURL(new Blob([body], { type: "application/x-ndjson" }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL is no longer needed after this task.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { entries: lines.length, truncated: cursor !== null, filename };
}
