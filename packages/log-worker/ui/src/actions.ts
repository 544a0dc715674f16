/**
 * The toolbar's actions beyond reading: Archive now (`POST /flush`) and Export
 * NDJSON, and the one status line both report on.
 */
import { ApiProblem, flush } from "./api";
import { $ } from "./dom";
import { exportNdjson } from "./exporter";
import type { TimeWindow, ViewQuery } from "./query";

/** Set when the server refused this tab's key for /flush: the reason, kept for the tab's session. */
const FLUSH_DENIED = "log-viewer.flush-denied";

export function actionStatus(text: string, warning = false): void {
  const box = $("action-status");
  box.hidden = !text;
  box.textContent = text;
  box.classList.toggle("failed", warning);
}

/** Disables Archive now, and says why, once the server refused this key for it. */
export function renderFlushButton(): void {
  const denied = sessionStorage.getItem(FLUSH_DENIED);
  const button = $<HTMLButtonElement>("flush");
  button.disabled = Boolean(denied);
  button.title = denied
    ? "This key cannot run the archive; see the message above the filters"
    : "Run the archive job now: move every waiting entry from KV to R2 (POST /flush)";
  if (denied) actionStatus(denied, true);
}

export async function runFlush(view: {
  reload(): void;
  render(): void;
  fail(err: unknown): void;
}): Promise<void> {
  const button = $<HTMLButtonElement>("flush");
  button.disabled = true;
  actionStatus("Archiving…");
  try {
    const result = await flush();
    const objects = Array.isArray(result.objects) ? result.objects.length : 0;
    actionStatus(
      `Archived ${result.archived ?? 0} entries from ${result.keys ?? 0} KV keys into ${objects} R2 object${objects === 1 ? "" : "s"}${result.remaining ? "; more is waiting and the next run continues" : ""}.`,
    );
    view.reload();
  } catch (err) {
    if (err instanceof ApiProblem && err.status === 403) {
      sessionStorage.setItem(
        FLUSH_DENIED,
        `This key can read logs but not archive them (log-worker answered 403 ${err.code}). "Archive now" needs the admin key (LOG_API_KEY); the daily archive runs on its own.`,
      );
    } else if (err instanceof ApiProblem && err.status === 409) {
      actionStatus("Another archive run is in progress; try again when it has finished.", true);
    } else if (err instanceof ApiProblem && err.kind === "auth") {
      view.fail(err);
    } else {
      actionStatus(err instanceof Error ? err.message : String(err), true);
    }
    view.render();
  } finally {
    if (!sessionStorage.getItem(FLUSH_DENIED)) button.disabled = false;
  }
}

export async function runExport(
  query: ViewQuery,
  window: TimeWindow,
  fail: (err: unknown) => void,
): Promise<void> {
  const button = $<HTMLButtonElement>("export");
  button.disabled = true;
  try {
    const result = await exportNdjson(query, window, (n) => {
      button.textContent = `Exporting… ${n.toLocaleString()}`;
    });
    actionStatus(
      `Exported ${result.entries.toLocaleString()} entries to ${result.filename}${result.truncated ? " (stopped at the export limit; narrow the range for the rest)" : ""}.`,
    );
  } catch (err) {
    fail(err);
  } finally {
    button.disabled = false;
    button.textContent = "Export NDJSON";
  }
}
