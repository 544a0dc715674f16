/**
 * The entries table: one row per entry, newest first; a row expands to the
 * entry as JSON. Every value from an entry is set as text.
 */
import { h } from "./dom";
import type { Item } from "./entries";
import { levelClass } from "./levels";
import { localTime, utcTitle } from "./time";

export interface TableActions {
  /** The user clicked a request id. */
  correlate(item: Item, requestId: string): void;
}

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));

function entryRow(item: Item, expanded: boolean, toggle: () => void, actions: TableActions) {
  const e = item.e;
  const d = new Date(item.t);
  const button = h(
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
  button.addEventListener("click", toggle);
  let requestCell: Node | string = "";
  if (typeof e.requestId === "string" && e.requestId) {
    const requestId = e.requestId;
    const link = h(
      "button",
      { type: "button", class: "rid", title: "Every entry of this request, across services and days" },
      requestId,
    );
    link.addEventListener("click", () => actions.correlate(item, requestId));
    requestCell = link;
  }
  const row = h(
    "tr",
    { class: `entry${item.fresh ? " fresh" : ""}`, "data-id": item.id, "data-level": text(e.level) },
    h("td", { class: "c-toggle" }, button),
    h(
      "td",
      { class: "c-time" },
      h(
        "time",
        { datetime: Number.isNaN(d.getTime()) ? null : d.toISOString(), title: utcTitle(d) },
        Number.isNaN(d.getTime()) ? text(e.timestamp) : localTime(d),
      ),
    ),
    h("td", { class: "c-level" }, h("span", { class: `badge ${levelClass(e.level)}` }, text(e.level))),
    h("td", { class: "c-service" }, text(e.service)),
    h("td", { class: "c-message" }, text(e.message)),
    h("td", { class: "c-request" }, requestCell),
  );
  // A click anywhere on the row but a button (or while selecting text) expands it too.
  row.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target?.closest("button") && !getSelection()?.toString()) toggle();
  });
  return row;
}

function detailRow(item: Item) {
  return h("tr", { class: "detail" }, h("td", { colspan: 6 }, h("pre", {}, JSON.stringify(item.e, null, 2))));
}

/** Renders the rows; `expanded` holds the ids shown as JSON and is updated by the toggles. */
export function renderRows(
  tbody: HTMLElement,
  items: readonly Item[],
  expanded: Set<string>,
  actions: TableActions,
): void {
  // Rows are rebuilt: remember which row's control had the focus, to give it back.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const focusRow =
    focused && tbody.contains(focused) ? focused.closest<HTMLElement>("tr.entry")?.dataset.id : undefined;
  const focusClass = focused?.classList[0];
  const rows: HTMLElement[] = [];
  for (const item of items) {
    const toggle = () => {
      if (expanded.has(item.id)) expanded.delete(item.id);
      else expanded.add(item.id);
      renderRows(tbody, items, expanded, actions);
      tbody
        .querySelector<HTMLElement>(`tr[data-id="${CSS.escape(item.id)}"] .toggle`)
        ?.focus({ preventScroll: true });
    };
    rows.push(entryRow(item, expanded.has(item.id), toggle, actions));
    if (expanded.has(item.id)) rows.push(detailRow(item));
    item.fresh = false;
  }
  tbody.replaceChildren(...rows);
  if (focusRow !== undefined && focusClass) {
    tbody
      .querySelector<HTMLElement>(`tr[data-id="${CSS.escape(focusRow)}"] .${CSS.escape(focusClass)}`)
      ?.focus({ preventScroll: true });
  }
}
