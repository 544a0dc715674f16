import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { indexKey } from "../src/archive/layout";
import { BLOCK_NDJSON_BYTES } from "../src/archive/object";
import {
  bloomMayContain,
  type ObjectIndex,
  parseObjectIndex,
  serializeIndex,
} from "../src/archive/object-index";
import { ArchiveFailed, archiveLogs } from "../src/archive/run";
import { searchLogs, searchQuerySchema } from "../src/search";
import { readArchive, seedBatches, wrapBinding } from "./archive-helpers";
import { resetStorage } from "./helpers";
import { archiveNow, ids, ordered, search, searchAll } from "./search-helpers";

const DAY = "2026-11-10";
const START = Date.UTC(2026, 10, 10, 6);
const iso = (ms: number) => new Date(ms).toISOString();
const WHOLE_DAY = { since: `${DAY}T00:00:00Z`, until: `${DAY}T23:59:59.999Z` };

async function gunzip(bytes: Uint8Array, format: "gzip" | "deflate-raw"): Promise<string> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format))).text();
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function readIndex(key: string, size: number): Promise<ObjectIndex> {
  const text = await (await env.log_archive.get(indexKey(key)))?.text();
  const index = text ? parseObjectIndex(text, key, size) : null;
  if (!index) throw new Error(`no valid index for ${key}`);
  return index;
}

/** ~1.7 MB of NDJSON in one day: several blocks; each request's entries close together in time. */
async function seedDay(): Promise<StoredLogEntry[]> {
  return seedBatches(50, 100, {
    startMs: Date.now() - 60_000,
    entry: (b, i) => ({
      message: `batch ${b} line ${i}${b === 37 && i === 5 ? " NEEDLE in one place" : ""}`,
      timestamp: iso(START + (b * 100 + i) * 1000),
      level: b === 12 && i === 3 ? "fatal" : "info",
      service: b === 44 ? "rare" : "api",
      requestId: `req-${b}-${Math.floor(i / 10)}`,
      pad: "x".repeat(250),
    }),
  });
}

describe("archive blocks and index", { timeout: 60_000 }, () => {
  let entries: StoredLogEntry[];
  let object: { key: string; size: number; customMetadata: Record<string, string> | undefined };
  let index: ObjectIndex;
  let body: Uint8Array;

  beforeAll(async () => {
    await resetStorage();
    entries = await seedDay();
    await archiveNow();
    const objects = await readArchive();
    expect(objects).toHaveLength(1);
    const [first] = objects;
    if (!first) throw new Error("no object");
    object = first;
    expect(first.entries).toEqual(entries);
    index = await readIndex(first.key, first.size);
    const stored = await env.log_archive.get(first.key);
    body = new Uint8Array(await (stored as R2ObjectBody).arrayBuffer());
  }, 120_000);

  it("writes one gzip file that DecompressionStream reads whole, made of blocks that inflate alone", async () => {
    const whole = await gunzip(body, "gzip");
    expect(whole).toBe(entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
    expect(index.blocks.length).toBeGreaterThanOrEqual(3);
    expect(index.blocks[0]?.offset).toBe(10); // right after the gzip header
    let next = 10;
    let line = 0;
    for (const block of index.blocks) {
      expect(block.offset).toBe(next);
      next = block.offset + block.length;
      // The block's bytes plus an empty final deflate block: a complete raw deflate stream.
      const bytes = new Uint8Array([...body.subarray(block.offset, next), 0x03, 0x00]);
      const text = await gunzip(bytes, "deflate-raw");
      const lines = text.split("\n");
      expect(lines.pop()).toBe("");
      expect(lines.length).toBe(block.entries);
      // Every block but the last holds at least BLOCK_NDJSON_BYTES of lines.
      if (block !== index.blocks.at(-1)) {
        expect(new TextEncoder().encode(text).byteLength).toBeGreaterThanOrEqual(BLOCK_NDJSON_BYTES);
      }
      const blockEntries = lines.map((l) => JSON.parse(l) as StoredLogEntry);
      expect(blockEntries).toEqual(entries.slice(line, line + lines.length));
      line += lines.length;
      const times = blockEntries.map((e) => Date.parse(e.timestamp));
      expect([block.t0, block.t1]).toEqual([Math.min(...times), Math.max(...times)]);
      for (const e of blockEntries)
        expect(bloomMayContain(block.requestIds, e.requestId as string)).toBe(true);
    }
    expect(line).toBe(entries.length);
    // Then the final empty block and the 8-byte trailer.
    expect(next).toBe(body.length - 10);
  });

  it("summarises the object in customMetadata and its index (time range, levels, services)", () => {
    const times = entries.map((e) => Date.parse(e.timestamp));
    expect(object.customMetadata).toMatchObject({
      entries: String(entries.length),
      index: "1",
      t0: String(Math.min(...times)),
      t1: String(Math.max(...times)),
      levels: `0,${entries.length - 1},0,0,1`,
      services: JSON.stringify(["api", "rare"]),
    });
    expect(index).toMatchObject({ entries: entries.length, levels: [0, entries.length - 1, 0, 0, 1] });
    expect(indexKey(object.key)).toMatch(new RegExp(`^_index/dt=${DAY}/\\d{13}-[0-9a-f]{20}\\.json$`));
  });

  it("a requestId lookup reads only the blocks whose Bloom filter may hold it", async () => {
    const wanted = "req-23-4";
    const expected = entries.filter((e) => e.requestId === wanted);
    expect(expected).toHaveLength(10);
    const matching = index.blocks.filter((b) => bloomMayContain(b.requestIds, wanted));
    expect(matching.length).toBeLessThan(index.blocks.length);
    const { logs, pages } = await searchAll({ ...WHOLE_DAY, requestId: wanted });
    expect(ids(logs)).toEqual(ids(ordered(expected)));
    const scanned = pages[0]?.scanned;
    expect(scanned?.r2Blocks).toBe(matching.length);
    expect(scanned?.r2BlocksSkipped).toBe(index.blocks.length - matching.length);
    expect(scanned?.indexes).toBe(1);
    const read = matching.reduce((n, b) => n + b.length, 0);
    expect(scanned?.bytes).toBeLessThan(read + 20_000); // the blocks and the index, not the object
    expect(scanned?.bytes).toBeLessThan(object.size / 2);
  });

  it("a time window reads only the blocks it overlaps; level and service skip by the index", async () => {
    const from = START + 2000 * 1000;
    const to = START + 2100 * 1000;
    const expected = entries.filter((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) <= to);
    const overlapping = index.blocks.filter((b) => b.t1 >= from && b.t0 <= to);
    const page = await search({ since: iso(from), until: iso(to), limit: 1000 });
    expect(ids(page.logs)).toEqual(ids(ordered(expected)));
    expect(page.scanned.r2Blocks).toBe(overlapping.length);
    expect(page.scanned.r2Blocks).toBeLessThan(index.blocks.length);

    const fatal = await search({ ...WHOLE_DAY, level: "fatal" });
    expect(fatal.logs.map((e) => e.message)).toEqual(["batch 12 line 3"]);
    expect(fatal.scanned.r2Blocks).toBe(1);
    const rare = await searchAll({ ...WHOLE_DAY, service: "rare", limit: 1000 });
    expect(rare.logs).toHaveLength(100);
    expect(rare.pages[0]?.scanned.r2Blocks).toBeLessThan(index.blocks.length);
    const none = await search({ ...WHOLE_DAY, service: "nobody" });
    expect(none.logs).toEqual([]);
    expect(none.scanned).toMatchObject({ r2Objects: 0, r2ObjectsSkipped: 1, indexes: 0, r2Blocks: 0 });
  });

  it("a full-text q scan reads every block and finds the one line", async () => {
    const page = await search({ ...WHOLE_DAY, q: "needle IN ONE" });
    expect(page.logs.map((e) => e.message)).toEqual(["batch 37 line 5 NEEDLE in one place"]);
    expect(page.scanned.r2Blocks).toBe(index.blocks.length);
    expect(page.scanned.entries).toBe(entries.length);
  });
});

describe("objects the search cannot fully trust", { timeout: 60_000 }, () => {
  const other = "2026-11-11";
  const at = (h: number) => iso(Date.UTC(2026, 10, 11, h));
  const range = { since: `${other}T00:00:00Z`, until: `${other}T23:59:59Z` };
  const line = (id: string, h: number) =>
    `${JSON.stringify({ id, level: "info", message: `legacy ${id}`, timestamp: at(h), receivedAt: at(h) })}\n`;

  beforeAll(resetStorage);

  it("reads objects written before the index whole", async () => {
    await env.log_archive.put(
      `logs/dt=${other}/0000000000001-legacy.ndjson.gz`,
      await gzip(line("L1", 3) + line("L2", 4)),
      {
        customMetadata: { entries: "2", batches: "1", segment: "0000000000001-legacy" },
      },
    );
    const page = await search(range);
    expect(ids(page.logs)).toEqual(["L2", "L1"]);
    expect(page.scanned).toMatchObject({ r2Objects: 1, indexes: 0, r2Blocks: 0, corrupt: 0 });
  });

  it("skips and reports corrupt or foreign objects; reads an object whole when its index does not validate", async () => {
    const prefix = `logs/dt=${other}/`;
    await env.log_archive.put(`${prefix}not-gzip.ndjson.gz`, "this is not gzip at all");
    await env.log_archive.put(`${prefix}bad-json.ndjson.gz`, await gzip(`${line("B1", 5)}{not json\n`));
    await env.log_archive.put(`${prefix}foreign.ndjson.gz`, await gzip('{"hello":"world"}\n'));
    await env.log_archive.put(
      `${prefix}truncated.ndjson.gz`,
      (await gzip(line("T1", 6).repeat(50))).subarray(0, 30),
    );
    // An indexed object whose index is garbage: still found, read whole.
    await seedBatches(1, 3, {
      entry: (_, i) => ({ message: `indexed ${i}`, timestamp: at(7 + i) }),
    });
    await archiveNow();
    const [indexed] = (await env.log_archive.list({ prefix, include: ["customMetadata"] })).objects.filter(
      (o) => o.customMetadata?.index === "1",
    );
    if (!indexed) throw new Error("no indexed object");
    const real = await readIndex(indexed.key, indexed.size);
    await env.log_archive.put(indexKey(indexed.key), '{"v":1,"blocks":"no"}');

    const res = await search(range);
    expect(res.logs.map((e) => e.message)).toEqual([
      "indexed 2",
      "indexed 1",
      "indexed 0",
      "legacy L2",
      "legacy L1",
    ]);
    expect(res.scanned.corrupt).toBe(4);
    expect(res.scanned.corruptKeys.sort()).toEqual(
      ["bad-json", "foreign", "not-gzip", "truncated"].map((n) => `${prefix}${n}.ndjson.gz`),
    );
    expect(res.scanned.badIndexes).toBe(1);

    // A valid index over bytes that are not what it says: that block range is skipped and reported.
    await env.log_archive.put(indexed.key, new Uint8Array(indexed.size).fill(7), {
      customMetadata: indexed.customMetadata,
    });
    await env.log_archive.put(indexKey(indexed.key), serializeIndex(real).text);
    const broken = await search(range);
    expect(broken.logs.map((e) => e.message)).toEqual(["legacy L2", "legacy L1"]);
    expect(broken.scanned.corrupt).toBe(5);
    expect(broken.scanned.corruptKeys).toContain(`${indexed.key}@10`);
  });
});

describe("index and crashes", { timeout: 60_000 }, () => {
  beforeAll(resetStorage);

  it("a run that died between an index and its object is finished by the next run, index and object matching", async () => {
    const entries = await seedBatches(3, 4, {
      entry: (b, i) => ({
        message: `crash ${b}.${i}`,
        timestamp: iso(START + (b * 4 + i) * 1000),
        requestId: `r-${b}`,
      }),
    });
    const bucket = wrapBinding(env.log_archive, {
      put: (real, ...args) =>
        String(args[0]).startsWith("logs/")
          ? Promise.reject(new Error("injected: object put failed"))
          : (real as (...a: unknown[]) => unknown)(...args),
    });
    await expect(
      archiveLogs({ ...env, log_archive: bucket.binding }, { trigger: "flush", cutoffMs: Date.now() + 1 }),
    ).rejects.toBeInstanceOf(ArchiveFailed);
    expect(await readArchive()).toEqual([]);
    const indexes = await env.log_archive.list({ prefix: "_index/" });
    expect(indexes.objects).toHaveLength(1); // written first, its object not yet

    await archiveNow(); // finishes the journal: rebuilds the object under the same name
    const [object] = await readArchive();
    if (!object) throw new Error("no object");
    expect(object.entries).toEqual(entries);
    expect(indexKey(object.key)).toBe(indexes.objects[0]?.key);
    expect((await readIndex(object.key, object.size)).entries).toBe(12);
    const page = await search({ ...WHOLE_DAY, requestId: "r-1" });
    expect(page.logs.map((e) => e.message)).toEqual(["crash 1.3", "crash 1.2", "crash 1.1", "crash 1.0"]);
    expect(page.scanned).toMatchObject({ indexes: 1, badIndexes: 0, corrupt: 0, r2Blocks: 1 });
  });

  it("the query schema also takes numbers (as a tool call's arguments give them)", async () => {
    const page = await searchLogs(
      env,
      searchQuerySchema.parse({ since: 0, until: 253402300799999, limit: 2 }),
    );
    expect(page.logs).toHaveLength(2);
    expect(page.cursor).not.toBeNull();
  });
});
