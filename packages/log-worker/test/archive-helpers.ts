/** Reading the R2 archive back, seeding KV, and wrapping real bindings to count calls or inject faults. */
import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { storeEntries } from "../src/ingest/core";
import { batchValue, newLogKey, parseBatch } from "../src/store/batches";

export interface ArchivedObjectContent {
  key: string;
  size: number;
  customMetadata: Record<string, string> | undefined;
  entries: StoredLogEntry[];
  ndjsonBytes: number;
}

/** Every object under logs/, decompressed and parsed. */
export async function readArchive(): Promise<ArchivedObjectContent[]> {
  const out: ArchivedObjectContent[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.log_archive.list({ prefix: "logs/", cursor, include: ["customMetadata"] });
    for (const listed of page.objects) {
      const object = await env.log_archive.get(listed.key);
      if (!object) throw new Error(`listed object ${listed.key} is gone`);
      const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
      const lines = text.split("\n");
      if (lines.pop() !== "") throw new Error(`${listed.key} does not end with a newline`);
      out.push({
        key: listed.key,
        size: listed.size,
        customMetadata: listed.customMetadata,
        entries: lines.map((line) => JSON.parse(line) as StoredLogEntry),
        ndjsonBytes: new TextEncoder().encode(text).byteLength,
      });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

export async function archivedEntries(): Promise<StoredLogEntry[]> {
  return (await readArchive()).flatMap((o) => o.entries);
}

/** Asserts-friendly summary: ids that appear more than once. */
export function duplicateIds(entries: readonly StoredLogEntry[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const e of entries) (seen.has(e.id) ? dupes : seen).add(e.id);
  return [...dupes];
}

/**
 * Writes `count` batches straight to KV (as POST /log stores them), received
 * one millisecond apart from `startMs`; returns every stored entry.
 */
export async function seedBatches(
  count: number,
  entriesPerBatch: number,
  options: { startMs?: number; entry?: (batch: number, i: number) => Record<string, unknown> } = {},
): Promise<StoredLogEntry[]> {
  const start = options.startMs ?? Date.UTC(2026, 10, 27, 12);
  const all: StoredLogEntry[][] = [];
  for (let first = 0; first < count; first += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - first) }, async (_, j) => {
        const b = first + j;
        const ms = start + b;
        const key = newLogKey(ms);
        const raw = Array.from({ length: entriesPerBatch }, (_, i) =>
          options.entry
            ? options.entry(b, i)
            : { message: `batch ${b} line ${i}`, service: "seed", pad: "x".repeat(200) },
        );
        await storeEntries(env.log_state, key, raw, ms);
        // What readers will see: the stored value read back (ids derive from the key).
        all[b] = parseBatch(key, batchValue(JSON.stringify(raw), ms));
      }),
    );
  }
  return all.flat();
}

type Method<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/**
 * A proxy over a real binding: every call goes to the real storage unless an
 * override for that method says otherwise. `calls` counts calls per method.
 */
export function wrapBinding<T extends object>(
  target: T,
  overrides: Partial<{ [K in Method<T>]: (real: T[K], ...args: unknown[]) => unknown }> = {},
): { binding: T; calls: Record<string, number>; total(): number } {
  const calls: Record<string, number> = {};
  const binding = new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof value !== "function") return value;
      const real = value.bind(t);
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        const override = (overrides as Record<string, ((...a: unknown[]) => unknown) | undefined>)[
          String(prop)
        ];
        return override ? override(real, ...args) : real(...args);
      };
    },
  });
  return { binding, calls, total: () => Object.values(calls).reduce((a, b) => a + b, 0) };
}
