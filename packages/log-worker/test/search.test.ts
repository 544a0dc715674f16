import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { ArchiveFailed, archiveLogs } from "../src/archive/run";
import { searchLogs, searchQuerySchema } from "../src/search";
import { archivedEntries, duplicateIds, wrapBinding } from "./archive-helpers";
import { adminGet, json, logKeys, postLog, resetStorage, storedEntries } from "./helpers";
import { archiveNow, ids, ordered, search, searchAll } from "./search-helpers";

beforeEach(resetStorage);

const T0 = Date.UTC(2026, 10, 20, 12);
const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const RANGE = { since: iso(T0 - HOUR), until: iso(T0 + 5 * HOUR) };

/** Posts `n` entries a minute apart from `start`, in batches of `per`. */
async function postSpread(
  n: number,
  start: number,
  fields: (i: number) => Record<string, unknown> = () => ({}),
) {
  for (let first = 0; first < n; first += 10) {
    const res = await postLog(
      Array.from({ length: Math.min(10, n - first) }, (_, j) => ({
        message: `entry ${first + j}`,
        timestamp: iso(start + (first + j) * 60_000),
        ...fields(first + j),
      })),
    );
    expect(res.status).toBe(201);
  }
}

async function everything(): Promise<StoredLogEntry[]> {
  return [...(await archivedEntries()), ...(await storedEntries())];
}

describe("GET /debug/logs: order and cursor", { timeout: 60_000 }, () => {
  it("answers KV and R2 together, newest first by default and oldest first with order=asc", async () => {
    await postSpread(30, T0, () => ({ service: "a" }));
    await archiveNow();
    await postSpread(30, T0 + 30_000);
    const all = await everything();
    expect(all).toHaveLength(60);
    expect((await logKeys()).length).toBeGreaterThan(0);

    const desc = await searchAll({ ...RANGE, limit: 7 });
    expect(ids(desc.logs)).toEqual(ids(ordered(all, "desc")));
    expect(desc.pages[0]?.scanned.kvBatches).toBeGreaterThan(0);
    expect(desc.pages[0]?.scanned.r2Blocks).toBeGreaterThan(0);
    const asc = await searchAll({ ...RANGE, limit: 7, order: "asc" });
    expect(ids(asc.logs)).toEqual(ids(ordered(all, "asc")));
  });

  it("orders entries of the same millisecond by id, across pages", async () => {
    await postLog(Array.from({ length: 12 }, (_, i) => ({ message: `same ${i}`, timestamp: iso(T0) })));
    await archiveNow();
    await postLog(Array.from({ length: 12 }, (_, i) => ({ message: `same again ${i}`, timestamp: iso(T0) })));
    const all = await everything();
    for (const order of ["desc", "asc"] as const) {
      const { logs } = await searchAll({ ...RANGE, limit: 5, order });
      expect(ids(logs)).toEqual(ids(ordered(all, order)));
    }
  });

  it("returns every entry exactly once while archive runs move batches from KV to R2 between pages", async () => {
    await postSpread(40, T0);
    await archiveNow();
    await postSpread(60, T0 + 20_000); // interleaved with the archived ones, waiting in KV
    const before = await everything();
    for (const order of ["desc", "asc"] as const) {
      // Put them back in KV for the second walk: archive again between its pages too.
      let archived = false;
      const { logs } = await searchAll({ ...RANGE, limit: 9, order }, async (page) => {
        if (page === 2 && !archived) {
          archived = true;
          await archiveNow();
          expect(await logKeys()).toEqual([]);
        }
      });
      expect(duplicateIds(logs)).toEqual([]);
      expect(ids(logs)).toEqual(ids(ordered(before, order)));
      await postSpread(10, T0 + 4 * HOUR); // new waiting batches for the next walk to move
      before.push(...(await storedEntries()));
    }
  });

  it("answers entries that arrive ahead of the cursor, and not those past until", async () => {
    await postSpread(20, T0);
    const first = await search({ ...RANGE, limit: 5, order: "asc" });
    expect(first.logs).toHaveLength(5);
    await postSpread(3, T0 + 2 * HOUR, () => ({ service: "late" }));
    await postSpread(2, T0 + 6 * HOUR, () => ({ service: "after-until" }));
    await archiveNow();
    let cursor = first.cursor;
    const rest: StoredLogEntry[] = [];
    while (cursor) {
      const page = await search({ ...RANGE, limit: 5, order: "asc", cursor });
      rest.push(...page.logs);
      cursor = page.cursor;
    }
    expect(rest.filter((e) => e.service === "late")).toHaveLength(3);
    expect(rest.filter((e) => e.service === "after-until")).toHaveLength(0);
    expect(duplicateIds([...first.logs, ...rest])).toEqual([]);
  });

  it("deduplicates by id an entry held by KV and R2 at once (archive stopped before its KV deletes)", async () => {
    await postSpread(25, T0);
    const kv = wrapBinding(env.log_state, {
      delete: () => Promise.reject(new Error("injected: KV delete failed")),
    });
    await expect(
      archiveLogs({ ...env, log_state: kv.binding }, { trigger: "flush", cutoffMs: Date.now() + 1 }),
    ).rejects.toBeInstanceOf(ArchiveFailed);
    const kvEntries = await storedEntries();
    expect(kvEntries).toHaveLength(25);
    expect(await archivedEntries()).toHaveLength(25);
    const { logs } = await searchAll({ ...RANGE, limit: 4 });
    expect(ids(logs)).toEqual(ids(ordered(kvEntries, "desc")));
  });

  it("finds a batch archived while the page reads it (gone from KV: the partition is listed again)", async () => {
    await postSpread(10, T0);
    const expected = ordered(await storedEntries());
    let moved = false;
    const kv = wrapBinding(env.log_state, {
      get: async (real, ...args) => {
        if (!moved) {
          moved = true;
          await archiveNow(); // writes the object, then deletes the key being read
        }
        return (real as (...a: unknown[]) => unknown)(...args);
      },
    });
    const page = await searchLogs(
      { log_state: kv.binding, log_archive: env.log_archive },
      searchQuerySchema.parse({ ...RANGE }),
    );
    expect(moved).toBe(true);
    expect(ids(page.logs)).toEqual(ids(expected));
    expect(page.cursor).toBeNull();
  });

  it("with a small scan budget, pages may be short but the walk still returns everything once", async () => {
    await postSpread(30, T0);
    await archiveNow();
    await postSpread(30, T0 + 10_000);
    await archiveNow();
    await postSpread(30, T0 + 20_000);
    const all = await everything();
    const query = searchQuerySchema.parse({ ...RANGE, limit: "20" });
    const logs: StoredLogEntry[] = [];
    let short = 0;
    let page = await searchLogs(env, query, { budget: { operations: 1, bytes: 1 } });
    for (let n = 0; ; n++) {
      expect(n).toBeLessThan(200);
      logs.push(...page.logs);
      if (page.logs.length < 20 && page.cursor !== null) short++;
      if (!page.cursor) break;
      page = await searchLogs(
        env,
        { ...query, cursor: page.cursor },
        { budget: { operations: 1, bytes: 1 } },
      );
    }
    expect(short).toBeGreaterThan(0);
    expect(ids(logs)).toEqual(ids(ordered(all)));
  });
});

describe("GET /debug/logs: filters and defaults", { timeout: 60_000 }, () => {
  it("filters by minimum level, service, requestId and case-insensitive q, in KV and R2 alike", async () => {
    const fields = (i: number) => ({
      level: (["debug", "info", "warn", "error", "fatal"] as const)[i % 5],
      service: i % 3 === 0 ? "billing" : "auth",
      requestId: `req-${i % 7}`,
      message: i % 4 === 0 ? `Payment DECLINED for order ${i} — ÜBER "quoted"` : `entry ${i}`,
    });
    await postSpread(40, T0, fields);
    await archiveNow();
    await postSpread(40, T0 + 30_000, fields);
    const all = await everything();
    const cases: [Record<string, string>, (e: StoredLogEntry) => boolean][] = [
      [{ level: "warn" }, (e) => ["warn", "error", "fatal"].includes(e.level)],
      [{ service: "billing" }, (e) => e.service === "billing"],
      [{ requestId: "req-3" }, (e) => e.requestId === "req-3"],
      [{ q: "declined" }, (e) => e.message.toLowerCase().includes("declined")],
      [{ q: 'über "QUOTED' }, (e) => e.message.includes('ÜBER "quoted"')],
      [
        { level: "error", service: "auth", q: "DECLINED" },
        (e) => ["error", "fatal"].includes(e.level) && e.service === "auth" && e.message.includes("DECLINED"),
      ],
    ];
    for (const [params, keep] of cases) {
      const expected = ordered(all.filter(keep));
      expect(expected.length, JSON.stringify(params)).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      const { logs } = await searchAll({ ...RANGE, ...params, limit: 6 });
      expect(ids(logs), JSON.stringify(params)).toEqual(ids(expected));
    }
  });

  it("since and until are inclusive and take ISO or epoch ms", async () => {
    await postSpread(10, T0);
    await archiveNow();
    const all = ordered(await archivedEntries(), "asc");
    const since = T0 + 2 * 60_000;
    const until = T0 + 5 * 60_000;
    const expected = all.filter((e) => Date.parse(e.timestamp) >= since && Date.parse(e.timestamp) <= until);
    expect(expected).toHaveLength(4);
    const iso_ = await searchAll({ since: iso(since), until: iso(until), order: "asc" });
    expect(ids(iso_.logs)).toEqual(ids(expected));
    const epoch = await searchAll({ since: String(since), until: String(until), order: "asc" });
    expect(ids(epoch.logs)).toEqual(ids(expected));
  });

  it("defaults: the last 24 hours, newest first, 100 a page", async () => {
    const now = Date.now();
    await postLog([
      { message: "23 h ago", timestamp: iso(now - 23 * HOUR) },
      { message: "25 h ago", timestamp: iso(now - 25 * HOUR) },
    ]);
    await postLog(
      Array.from({ length: 110 }, (_, i) => ({ message: `recent ${i}`, timestamp: iso(now - i * 1000) })),
    );
    const first = await search({});
    expect(first.logs).toHaveLength(100);
    expect(first.logs[0]?.message).toBe("recent 0");
    expect(first.cursor).not.toBeNull();
    const { logs } = await searchAll({});
    expect(logs.map((e) => e.message)).toContain("23 h ago");
    expect(logs.map((e) => e.message)).not.toContain("25 h ago");
    expect(logs).toHaveLength(111);
  });

  it("finds entries at 1970-01-01 and 9999-12-31, waiting and archived, over the widest range", async () => {
    await postLog([
      { message: "first instant", timestamp: "1970-01-01T00:00:00.000Z" },
      { message: "last instant", timestamp: "9999-12-31T23:59:59.999Z" },
    ]);
    await archiveNow();
    await postLog([
      { message: "first instant again", timestamp: 0 },
      { message: "last instant again", timestamp: "9999-12-31T23:59:59.999Z" },
      { message: "now" },
    ]);
    const all = await everything();
    const wide = { since: "0", until: "253402300799999" };
    const desc = await searchAll({ ...wide, limit: 2 });
    expect(ids(desc.logs)).toEqual(ids(ordered(all)));
    expect(desc.logs[0]?.timestamp).toBe("9999-12-31T23:59:59.999Z");
    const asc = await searchAll({ ...wide, limit: 2, order: "asc" });
    expect(ids(asc.logs)).toEqual(ids(ordered(all, "asc")));
    const recent = await searchAll({});
    expect(recent.logs.map((e) => e.message)).toEqual(["now"]);
  });
});

describe("GET /debug/logs: errors", { timeout: 60_000 }, () => {
  it.each([
    ["since=yesterday", "since"],
    ["until=2026-13-01T00:00:00Z", "until"],
    ["since=-5", "since"],
    ["until=253402300800000", "until"],
    ["level=verbose", "level"],
    ["order=newest", "order"],
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=ten", "limit"],
    ["service=", "service"],
    ["requestId=", "requestId"],
    ["since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", "since"],
  ])("%s → 400 invalid_query naming %s", async (qs, name) => {
    const res = await adminGet(`/debug/logs?${qs}`);
    expect(res.status).toBe(400);
    const body = await json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe("invalid_query");
    expect(body.error.message).toContain(name);
  });

  it("an unreadable cursor → 400 invalid_cursor", async () => {
    for (const cursor of ["garbage", btoa('{"v":1}'), btoa("[1,2]"), "%%%"]) {
      const res = await adminGet(`/debug/logs?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect((await json<{ error: { code: string } }>(res)).error.code).toBe("invalid_cursor");
    }
  });

  it("needs the API key", async () => {
    expect((await adminGet("/debug/logs", null)).status).toBe(401);
    expect((await adminGet("/debug/logs", "wrong")).status).toBe(401);
  });
});
