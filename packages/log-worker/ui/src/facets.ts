/**
 * Level and service facets: how many of the loaded entries have each value.
 * The counts are of what the viewer has loaded so far (the API has no count
 * query), and the note above them says so. Clicking a value filters by it.
 */
import { h } from "./dom";
import type { Item } from "./entries";
import { LEVELS, type Level, levelClass } from "./levels";
import type { ViewQuery } from "./query";

/** Services listed at most; the rest are summed up in one line. */
const MAX_SERVICES = 15;

export interface FacetActions {
  level(level: Level | undefined): void;
  service(service: string | undefined): void;
}

function facetButton(label: string, count: number, pressed: boolean, onClick: () => void, className = "") {
  const button = h(
    "button",
    {
      type: "button",
      class: `facet ${className}`.trim(),
      "aria-pressed": String(pressed),
      "data-value": label,
    },
    h("span", { class: "facet-name" }, label),
    h("span", { class: "count" }, count.toLocaleString()),
  );
  button.addEventListener("click", onClick);
  return h("li", {}, button);
}

export function renderFacets(
  items: readonly Item[],
  query: ViewQuery,
  complete: boolean,
  actions: FacetActions,
): { level: HTMLElement[]; service: HTMLElement[]; note: string } {
  const byLevel = new Map<string, number>();
  const byService = new Map<string, number>();
  for (const { e } of items) {
    byLevel.set(String(e.level), (byLevel.get(String(e.level)) ?? 0) + 1);
    if (typeof e.service === "string" && e.service)
      byService.set(e.service, (byService.get(e.service) ?? 0) + 1);
  }
  const level = LEVELS.map((name) =>
    facetButton(
      `${name}`,
      byLevel.get(name) ?? 0,
      query.level === name,
      () => actions.level(query.level === name ? undefined : name),
      levelClass(name),
    ),
  );
  const services = [...byService].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const service = services
    .slice(0, MAX_SERVICES)
    .map(([name, count]) =>
      facetButton(name, count, query.service === name, () =>
        actions.service(query.service === name ? undefined : name),
      ),
    );
  if (services.length > MAX_SERVICES) {
    service.push(h("li", { class: "muted" }, `${services.length - MAX_SERVICES} more services`));
  }
  const n = items.length.toLocaleString();
  const note = complete
    ? `Counts of all ${n} matching entries.`
    : `Counts of the ${n} entries loaded so far; more match (scroll down to load them).`;
  return { level, service, note };
}
