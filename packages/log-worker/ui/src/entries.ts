/** The entries one view has loaded: each once (by id), newest first. */
import type { Entry } from "./api";

export interface Item {
  e: Entry;
  /** The entry's id, or its JSON when it has none (entries written before ids existed). */
  id: string;
  /** Epoch ms of its timestamp; NaN when unreadable (sorted last). */
  t: number;
  /** Arrived by live tail since the last render: highlighted once. */
  fresh: boolean;
}

/** Newest first; one instant's entries by id, as the server orders them. */
export function newestFirst(a: Item, b: Item): number {
  const at = Number.isNaN(a.t) ? -Infinity : a.t;
  const bt = Number.isNaN(b.t) ? -Infinity : b.t;
  if (at !== bt) return bt - at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class EntryStore {
  readonly #items = new Map<string, Item>();
  #sorted: Item[] | null = [];

  get size(): number {
    return this.#items.size;
  }

  /** Adds entries not seen yet; returns how many were new. */
  add(list: readonly Entry[], fresh: boolean): number {
    let added = 0;
    for (const e of list) {
      const id = typeof e.id === "string" ? e.id : JSON.stringify(e);
      if (this.#items.has(id)) continue;
      this.#items.set(id, { e, id, t: Date.parse(String(e.timestamp)), fresh });
      added++;
    }
    if (added) this.#sorted = null;
    return added;
  }

  sorted(): Item[] {
    this.#sorted ??= [...this.#items.values()].sort(newestFirst);
    return this.#sorted;
  }

  /** The newest readable timestamp, if any. */
  newest(): number | undefined {
    return this.sorted().find((item) => !Number.isNaN(item.t))?.t;
  }

  clear(): void {
    this.#items.clear();
    this.#sorted = [];
  }
}
