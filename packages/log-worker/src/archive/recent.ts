/**
 * Keys archived in the last few minutes (`_archive/recent.json`).
 *
 * KV is eventually consistent: for up to about a minute after a delete, `list()`
 * may still show the key and `get()` may still return its old value. A run
 * that followed another within that minute would archive those batches a
 * second time. So every commit adds the keys it deleted to one small object,
 * the next run loads it (one read) and skips those keys, and keys older than
 * `RECENT_WINDOW_MS` are dropped whenever it is rewritten. Only one run holds
 * the lease at a time, so every delete a run must know of happened before it
 * started; writes are conditional on the etag this run last saw, so a run
 * that lost its lease cannot overwrite its successor's record.
 */
import { z } from "zod";
import type { OpCounter } from "./budget";
import { RECENT_KEY } from "./layout";
import { LeaseLost } from "./lease";

/** Twice the ~60 s KV takes to stop listing (and serving) a deleted key. */
export const RECENT_WINDOW_MS = 120_000;

const recentSchema = z.object({
  v: z.literal(1),
  groups: z.array(z.object({ at: z.number(), keys: z.array(z.string()) })),
});
type Group = z.infer<typeof recentSchema>["groups"][number];

export class RecentlyArchived {
  #groups: Group[] = [];
  #keys = new Set<string>();
  /** Etag of the object as this run last read or wrote it; null: it did not exist. */
  #etag: string | null = null;

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** One read. A read error is thrown: a run that cannot tell stale keys apart must not walk. */
  async load(bucket: R2Bucket, budget: OpCounter, nowMs: number): Promise<void> {
    budget.spend();
    const object = await bucket.get(RECENT_KEY);
    if (!object) return;
    this.#etag = object.etag;
    const text = await object.text();
    let parsed: Group[] = [];
    try {
      const result = recentSchema.safeParse(JSON.parse(text));
      parsed = result.success ? result.data.groups : [];
    } catch {
      parsed = []; // not written by this version: nothing to skip
    }
    this.#groups = parsed.filter((g) => g.at > nowMs - RECENT_WINDOW_MS);
    for (const group of this.#groups) for (const key of group.keys) this.#keys.add(key);
  }

  /** Adds keys just deleted (one conditional put), dropping those past the window. */
  async record(bucket: R2Bucket, budget: OpCounter, keys: readonly string[], nowMs: number): Promise<void> {
    this.#groups = this.#groups.filter((g) => g.at > nowMs - RECENT_WINDOW_MS);
    this.#groups.push({ at: nowMs, keys: [...keys] });
    for (const key of keys) this.#keys.add(key);
    budget.spend();
    const written = await bucket.put(RECENT_KEY, JSON.stringify({ v: 1, groups: this.#groups }), {
      httpMetadata: { contentType: "application/json" },
      onlyIf: this.#etag === null ? { etagDoesNotMatch: "*" } : { etagMatches: this.#etag },
    });
    if (!written)
      throw new LeaseLost("another run wrote the recently-archived keys; this run lost its lease");
    this.#etag = written.etag;
  }
}
