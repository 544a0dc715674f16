// `npm run archive:pull -- [--url URL] [--date YYYY-MM-DD] [--out DIR]`
// Downloads archived objects through log-worker's /debug/r2-logs routes (local
// or deployed), as NDJSON files laid out like the bucket, ready for DuckDB:
//   SELECT * FROM read_json('archive/logs/dt=*/*.ndjson', hive_partitioning = true);
// The API key comes from LOG_API_KEY in the environment, else from .dev.vars.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/wrangler-dev.mjs";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:8787" },
    date: { type: "string" },
    out: { type: "string", default: "archive" },
  },
});

function apiKey() {
  if (process.env.LOG_API_KEY) return process.env.LOG_API_KEY;
  const devVars = join(ROOT, ".dev.vars");
  if (existsSync(devVars)) {
    const match = /^LOG_API_KEY\s*=\s*"?([^"\n]*)"?\s*$/m.exec(readFileSync(devVars, "utf8"));
    if (match?.[1]) return match[1];
  }
  throw new Error("Set LOG_API_KEY (or create .dev.vars) to pull the archive.");
}

/** @param {string} path */
async function get(path) {
  const res = await fetch(new URL(path, values.url), { headers: { "X-API-Key": apiKey() } });
  if (!res.ok) throw new Error(`${res.status} from ${path}: ${await res.text()}`);
  return res;
}

let cursor = null;
let files = 0;
let entries = 0;
do {
  const params = new URLSearchParams({ limit: "1000" });
  if (values.date) params.set("date", values.date);
  if (cursor) params.set("cursor", cursor);
  /** @type {{ objects: { key: string, entries: number | null }[], cursor: string | null }} */
  const page = await (await get(`/debug/r2-logs?${params}`)).json();
  for (const object of page.objects) {
    const target = join(values.out, object.key.replace(/\.gz$/, ""));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(await (await get(`/debug/r2-logs/${object.key}`)).arrayBuffer()));
    files++;
    entries += object.entries ?? 0;
  }
  cursor = page.cursor;
} while (cursor);
console.log(`Pulled ${files} objects (${entries} entries) from ${values.url} into ${values.out}/`);
