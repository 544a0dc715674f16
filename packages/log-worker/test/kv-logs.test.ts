import { env } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { storeEntries } from "../src/ingest/core";
import { newLogKey } from "../src/store/batches";
import { kvLogsQuerySchema, listWaitingLogs } from "../src/store/kv-logs";
import { adminGet, json, postLog, resetStorage, storedEntries } from "./helpers";

beforeEach(resetStorage);

type Page = { logs: StoredLogEntry[]; cursor: string | null; tail: string };

async function page(query: string): Promise<Page> {
  const res = await adminGet(`/debug/kv-logs${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Page>(res);
}

/** Follows cursors to the end; returns every entry and how many requests it took. */
async function readAll(query: Record<string, string>): Promise<{ logs: StoredLogEntry[]; requests: number }> {
  const logs: StoredLogEntry[] = [];
  let cursor: string | null = null;
  let requests = 0;
  do {
    const params = new URLSearchParams(query);
    if (cursor) params.set("cursor", cursor);
    const body = await page(`?${params}`);
    logs.push(...body.logs);
    cursor = body.cursor;
    requests++;
    expect(requests).toBeLessThan(1000);
  } while (cursor);
  return { logs, requests };
}

/** Writes `count` batches straight to KV, one millisecond apart, like POST /log would. */
async function seedBatches(count: number, entriesFor: (i: number) => Record<string, unknown>[]) {
  const base = Date.UTC(2026, 10, 1);
  const keys: string[] = [];
  for (let start = 0; start < count; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, async (_, j) => {
        const i = start + j;
        const key = newLogKey(base + i);
        keys[i] = key;
        await storeEntries(env.log_state, key, entriesFor(i), base + i);
      }),
    );
  }
  return keys;
}

describe("GET /debug/kv-logs", () => {
  it("answers an empty list and a null cursor when nothing waits", async () => {
    const body = await page("");
    expect(body.logs).toEqual([]);
    expect(body.cursor).toBeNull();
  });

  it("lists entries oldest batch first, entries in batch order, with every stored field", async () => {
    await postLog([{ message: "first", a: 1 }, { message: "second" }]);
    await new Promise((r) => setTimeout(r, 2));
    await postLog({ message: "third", level: "error", service: "db" });
    const body = await page("");
    expect(body.logs.map((e) => e.message)).toEqual(["first", "second", "third"]);
    expect(body.logs).toEqual(await storedEntries());
    expect(body.logs[0]).toMatchObject({ a: 1, level: "info" });
  });

  describe("filters", () => {
    beforeEach(async () => {
      await postLog([
        { level: "debug", message: "cache miss", service: "api", timestamp: "2026-11-01T10:00:00Z" },
        { level: "info", message: "User signed IN", service: "auth", timestamp: "2026-11-01T11:00:00Z" },
        { level: "warn", message: "slow query", service: "db", timestamp: "2026-11-01T12:00:00Z" },
      ]);
      await postLog([
        { level: "error", message: "db down", service: "db", timestamp: "2026-11-02T10:00:00Z" },
        { level: "fatal", message: "out of memory", timestamp: "2026-11-02T11:00:00Z" },
      ]);
    });
    const messages = async (q: string) => (await page(q)).logs.map((e) => e.message);

    it("level is a minimum", async () => {
      expect(await messages("?level=warn")).toEqual(["slow query", "db down", "out of memory"]);
      expect(await messages("?level=fatal")).toEqual(["out of memory"]);
      expect(await messages("?level=debug")).toHaveLength(5);
    });
    it("service matches exactly", async () => {
      expect(await messages("?service=db")).toEqual(["slow query", "db down"]);
      expect(await messages("?service=d")).toEqual([]);
    });
    it("since and until take ISO-8601 or epoch ms, inclusive", async () => {
      expect(await messages("?since=2026-11-01T12:00:00Z")).toEqual([
        "slow query",
        "db down",
        "out of memory",
      ]);
      expect(await messages(`?until=${Date.parse("2026-11-01T11:00:00Z")}`)).toEqual([
        "cache miss",
        "User signed IN",
      ]);
      expect(await messages("?since=2026-11-01T10:30:00%2B00:00&until=2026-11-02T10:00:00Z")).toEqual([
        "User signed IN",
        "slow query",
        "db down",
      ]);
    });
    it("q is a case-insensitive substring of the message", async () => {
      expect(await messages("?q=signed%20in")).toEqual(["User signed IN"]);
      expect(await messages("?q=DB")).toEqual(["db down"]);
    });
    it("requestId matches exactly, across services", async () => {
      await postLog([
        { message: "login", service: "auth", requestId: "req-42" },
        { message: "charge", service: "billing", requestId: "req-42" },
        { message: "other", service: "auth", requestId: "req-420" },
      ]);
      expect(await messages("?requestId=req-42")).toEqual(["login", "charge"]);
    });
    it("filters combine", async () => {
      expect(await messages("?level=warn&service=db&since=2026-11-02T00:00:00Z")).toEqual(["db down"]);
    });
  });

  describe("bad queries → 400 invalid_query", () => {
    it.each([
      "limit=0",
      "limit=1001",
      "limit=abc",
      "limit=1.5",
      "level=loud",
      "since=yesterday",
      "until=2026-11-01",
    ])("%s", async (query) => {
      const res = await adminGet(`/debug/kv-logs?${query}`);
      expect(res.status).toBe(400);
      const body = await json<{ error: { code: string; message: string } }>(res);
      expect(body.error.code).toBe("invalid_query");
      expect(body.error.message).toContain(query.split("=")[0]);
    });

    it("a cursor this endpoint did not issue → 400 invalid_cursor", async () => {
      for (const cursor of ["garbage", "eyJ4IjoxfQ", ""]) {
        const res = await adminGet(`/debug/kv-logs?cursor=${cursor}`);
        if (cursor === "") {
          expect(res.status).toBe(200); // an empty cursor is "from the start"
          continue;
        }
        expect(res.status).toBe(400);
        expect(await json(res)).toMatchObject({ error: { code: "invalid_cursor" } });
      }
    });
  });

  it("defaults to 100 entries a page and honours limit", async () => {
    await postLog(Array.from({ length: 150 }, (_, i) => ({ message: `m${i}` })));
    expect((await page("")).logs).toHaveLength(100);
    const small = await page("?limit=7");
    expect(small.logs.map((e) => e.message)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
    expect(small.cursor).not.toBeNull();
  });

  it("pages through more than 1,000 keys, ending mid-batch, with no loss and no repeat", async () => {
    // 1,050 keys (two KV list pages) × 3 entries; a limit of 400 ends pages inside batches.
    await seedBatches(1050, (i) => [0, 1, 2].map((j) => ({ message: `b${i}e${j}` })));
    const all = (await storedEntries()).map((e) => e.id);
    expect(all).toHaveLength(3150);
    const { logs, requests } = await readAll({ limit: "400" });
    expect(logs.map((e) => e.id)).toEqual(all);
    expect(requests).toBe(8);
  });

  it("filters across more than 1,000 keys, reading only batches whose metadata can match", async () => {
    await seedBatches(1200, (i) => [
      { message: `b${i}`, level: i % 100 === 99 ? "error" : "info", service: i % 2 ? "odd" : "even" },
    ]);
    const { logs } = await readAll({ level: "error", limit: "5" });
    expect(logs.map((e) => e.message)).toEqual(Array.from({ length: 12 }, (_, k) => `b${k * 100 + 99}`));

    // Count value reads on a wrapper around the real binding.
    let reads = 0;
    const counting = new Proxy(env.log_state, {
      get(target, prop) {
        if (prop === "get") {
          return (...args: Parameters<KVNamespace["get"]>) => {
            reads++;
            return (target.get as (...a: unknown[]) => unknown)(...args);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const none = await listWaitingLogs(counting, kvLogsQuerySchema.parse({ service: "nobody" }));
    expect(none.logs).toEqual([]);
    expect(reads, "no batch can match: no value may be read").toBe(0);
    const errors = await listWaitingLogs(counting, kvLogsQuerySchema.parse({ level: "error" }));
    expect(errors.logs).toHaveLength(12);
    expect(reads, "12 matching batches fit in one bulk get per list page").toBeLessThanOrEqual(2);
  });

  it("answers with what it has and a cursor when the scan budget runs out", async () => {
    await seedBatches(1100, (i) => [{ message: i === 1099 ? "needle" : "hay" }]);
    const query = kvLogsQuerySchema.parse({ q: "needle" });
    const first = await listWaitingLogs(env.log_state, query, { maxListPages: 1 });
    expect(first.logs).toEqual([]);
    expect(first.cursor).not.toBeNull();
    const second = await listWaitingLogs(
      env.log_state,
      { ...query, cursor: first.cursor ?? undefined },
      { maxListPages: 1 },
    );
    expect(second.logs.map((e) => e.message)).toEqual(["needle"]);
    expect(second.cursor).toBeNull();
  });

  it("goes on after the batch under its cursor was archived (deleted) meanwhile", async () => {
    const keys = await seedBatches(5, (i) => [{ message: `b${i}e0` }, { message: `b${i}e1` }]);
    const first = await page("?limit=3"); // ends inside batch 1
    expect(first.logs.map((e) => e.message)).toEqual(["b0e0", "b0e1", "b1e0"]);
    await env.log_state.delete(keys[1] as string);
    const rest = await page(`?cursor=${first.cursor}`);
    expect(rest.logs.map((e) => e.message)).toEqual(["b2e0", "b2e1", "b3e0", "b3e1", "b4e0", "b4e1"]);
  });

  it("tail: polling it returns what arrived since (plus at most the last millisecond again)", async () => {
    await postLog([{ message: "old1" }, { message: "old2" }]);
    const first = await page("");
    expect(first.cursor).toBeNull();
    const seen = new Set(first.logs.map((e) => e.id));
    const unseen = (logs: StoredLogEntry[]) => logs.filter((e) => !seen.has(e.id)).map((e) => e.message);
    const again = await page(`?cursor=${first.tail}`);
    expect(unseen(again.logs)).toEqual([]);
    expect(again.logs.length).toBeLessThanOrEqual(2);
    await postLog({ message: "new1" });
    await postLog({ message: "new2" });
    const next = await page(`?cursor=${first.tail}`);
    expect(unseen(next.logs)).toEqual(["new1", "new2"]);
  });

  it("tail does not miss a batch stored in the same millisecond that sorts before the last one", async () => {
    const ms = Date.UTC(2026, 10, 5);
    const late = `log:${ms}:zzzzzzzzzzzzzzzz`;
    await storeEntries(env.log_state, late, { message: "sorted last" }, ms);
    const first = await page("");
    const early = `log:${ms}:aaaaaaaaaaaaaaaa`;
    await storeEntries(env.log_state, early, { message: "same ms, sorted first" }, ms);
    const next = await page(`?cursor=${first.tail}`);
    expect(next.logs.map((e) => e.message)).toContain("same ms, sorted first");
  });

  it("tail does not miss a batch from an isolate whose clock is a second behind", async () => {
    const ms = Date.UTC(2026, 10, 6);
    const seen = `log:${ms}:mmmmmmmmmmmmmmmm`;
    await storeEntries(env.log_state, seen, { message: "seen" }, ms);
    const first = await page("");
    const late = `log:${ms - 1_000}:aaaaaaaaaaaaaaaa`;
    await storeEntries(env.log_state, late, { message: "stamped a second earlier" }, ms - 1_000);
    const next = await page(`?cursor=${first.tail}`);
    expect(next.logs.map((e) => e.message)).toContain("stamped a second earlier");
  });

  it("bounds memory and response size by bytes: bulk reads ≤ 4 MiB, a page ends early past 4 MiB", async () => {
    // 40 batches of 16 entries × ~60 KB ≈ 1 MB each.
    await seedBatches(40, (i) =>
      Array.from({ length: 16 }, (_, j) => ({ message: `b${i}e${j}`, blob: "z".repeat(60_000) })),
    );
    const chunks: number[] = [];
    const counting = new Proxy(env.log_state, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "get") {
          return (keys: unknown, type: unknown) => {
            if (Array.isArray(keys)) chunks.push(keys.length);
            return (value as (...a: unknown[]) => unknown).call(target, keys, type);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const query = kvLogsQuerySchema.parse({ limit: "1000" });
    const first = await listWaitingLogs(counting, query);
    expect(Math.max(...chunks), "≈1 MB values: at most 4 per bulk get").toBeLessThanOrEqual(4);
    expect(first.logs.length).toBeLessThan(100);
    expect(first.cursor).not.toBeNull();
    // Following the cursor still returns every entry once.
    const all = [...first.logs];
    let cursor = first.cursor;
    while (cursor) {
      const next = await listWaitingLogs(env.log_state, { ...query, cursor });
      all.push(...next.logs);
      cursor = next.cursor;
    }
    expect(all.map((e) => e.message)).toEqual(
      Array.from({ length: 40 }, (_, i) => Array.from({ length: 16 }, (_, j) => `b${i}e${j}`)).flat(),
    );
  });
});
