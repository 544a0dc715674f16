/**
 * The archive's promise over real HTTP: after N entries POSTed concurrently to
 * `wrangler dev`, one POST /flush (and, separately, one cron trigger) leaves no
 * `log:` key in KV and exactly N entries in R2, each id once.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { type Stack, startStack, TEST_API_KEY } from "./stack";

const REQUESTS = 1_000;
const PER_REQUEST = 10;
const N = REQUESTS * PER_REQUEST;
const CONCURRENCY = 32;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** POSTs N entries as REQUESTS batches, CONCURRENCY at a time; returns the run's marker. */
async function postBacklog(): Promise<string> {
  const run = crypto.randomUUID();
  let next = 0;
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const body = Array.from({ length: PER_REQUEST }, (_, j) => ({
          message: `entry ${i}.${j}`,
          service: "e2e-archive",
          run,
          pad: "p".repeat(200),
        }));
        const res = await stack.admin("/log", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    }),
  );
  expect(statuses.filter((s) => s !== 201)).toEqual([]);
  return run;
}

async function waitingCount(): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res = await stack.admin(`/debug/kv-logs?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    const body = (await res.json()) as { logs: unknown[]; cursor: string | null };
    count += body.logs.length;
    cursor = body.cursor;
  } while (cursor);
  return count;
}

/** The key of every archive object, from /debug/r2-logs. */
async function archiveKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await stack.admin(
      `/debug/r2-logs?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    const body = (await res.json()) as { objects: { key: string }[]; cursor: string | null };
    keys.push(...body.objects.map((o) => o.key));
    cursor = body.cursor;
  } while (cursor);
  return keys;
}

/** Every archived entry of this run, read back through /debug/r2-logs. */
async function archivedIds(run: string): Promise<string[]> {
  const ids: string[] = [];
  for (const key of await archiveKeys()) {
    const text = await (await stack.admin(`/debug/r2-logs/${key}`)).text();
    for (const line of text.split("\n")) {
      if (!line) continue;
      const entry = JSON.parse(line) as { id: string; run?: string };
      if (entry.run === run) ids.push(entry.id);
    }
  }
  return ids;
}

/** The README's DuckDB query over the NDJSON files `glob` matches: this file's entries by day and level. */
async function duckdbCounts(glob: string) {
  const db = await DuckDBInstance.create(":memory:");
  const sql = await db.connect();
  try {
    const rows = await sql.runAndReadAll(`
      SELECT dt, level, count(*) AS entries, count(DISTINCT id) AS ids
      FROM read_json('${glob}', hive_partitioning = true, union_by_name = true)
      WHERE service = 'e2e-archive'
      GROUP BY ALL`);
    return rows.getRowObjectsJS() as { entries: bigint; ids: bigint; level: string }[];
  } finally {
    sql.closeSync();
  }
}

describe(`archive of ${N} entries POSTed concurrently to wrangler dev`, () => {
  it("one POST /flush leaves no log: key and exactly N entries in R2, each id once", async () => {
    const run = await postBacklog();
    expect(await waitingCount()).toBe(N);

    const res = await stack.admin("/flush", { method: "POST", headers: { "X-Worker-Request": "true" } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      archived: number;
      keys: number;
      objects: string[];
      remaining: boolean;
    };
    expect(body).toMatchObject({ archived: N, keys: REQUESTS, remaining: false });

    expect(await waitingCount()).toBe(0);
    const ids = await archivedIds(run);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
  });

  it("one cron trigger (/__scheduled) does the same", async () => {
    const run = await postBacklog();
    expect(await waitingCount()).toBe(N);

    const res = await fetch(`${stack.logWorker.url}/__scheduled?cron=0+0+*+*+*`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // The scheduled handler runs in waitUntil: wait for its recorded outcome.
    type LastRun = { trigger?: string; keys?: number; ok?: boolean; remaining?: boolean } | null;
    let lastRun: LastRun = null;
    for (let i = 0; i < 120; i++) {
      const stats = (await (await stack.admin("/debug/stats")).json()) as {
        lastRun: LastRun;
        lease: unknown;
      };
      lastRun = stats.lastRun;
      if (lastRun?.trigger === "cron" && stats.lease === null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(lastRun).toMatchObject({ trigger: "cron", ok: true, keys: REQUESTS, remaining: false });

    expect(await waitingCount()).toBe(0);
    const ids = await archivedIds(run);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
  });

  it("the archive pulled with `npm run archive:pull` reads in DuckDB, as the README shows", async () => {
    const out = mkdtempSync(join(tmpdir(), "log-service-duckdb-"));
    try {
      execFileSync(
        "node",
        [join(ROOT, "scripts", "pull-archive.mjs"), "--url", stack.logWorker.url, "--out", out],
        {
          env: { ...process.env, LOG_API_KEY: TEST_API_KEY },
          stdio: "pipe",
        },
      );
      // The query from the README, pointed at this test's download.
      const [row, ...more] = await duckdbCounts(`${out}/logs/dt=*/*.ndjson`);
      expect(more).toEqual([]);
      // Both earlier tests archived N entries each, every one once.
      expect(row).toMatchObject({ level: "info", entries: BigInt(2 * N), ids: BigInt(2 * N) });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("the raw objects, as `wrangler r2 object get` gives them, read in DuckDB as gzip NDJSON", async () => {
    // The bucket as it is, block-flushed gzip and all: what an operator reads
    // with DuckDB over R2's S3 API, or after `wrangler r2 object get`.
    const out = mkdtempSync(join(tmpdir(), "log-service-duckdb-raw-"));
    try {
      const keys = await archiveKeys();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const file = join(out, key);
        mkdirSync(dirname(file), { recursive: true });
        execFileSync(
          process.execPath,
          [
            join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
            "r2",
            "object",
            "get",
            `logs/${key}`,
            "--local",
            "--persist-to",
            stack.persistTo,
            "-c",
            join(ROOT, "wrangler.logworker.toml"),
            "--file",
            file,
          ],
          { cwd: ROOT, stdio: "pipe", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
        );
      }
      const [row, ...more] = await duckdbCounts(`${out}/logs/dt=*/*.ndjson.gz`);
      expect(more).toEqual([]);
      expect(row).toMatchObject({ level: "info", entries: BigInt(2 * N), ids: BigInt(2 * N) });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
