/**
 * Bench only: writes archive objects straight into R2 with the product's own
 * writer (blocks, index, customMetadata), far faster than POSTing and archiving
 * millions of entries; and the search bench's reference, a bare gunzip + line
 * split over the same objects.
 *
 *   POST /seed?date=D&start=ms&end=ms&entries=n&segment=s   one object, entries spread evenly over [start, end)
 *   POST /bare   body: JSON array of object keys            gunzip each whole and split it into lines
 */
import { gunzipSync } from "node:zlib";
import { objectKey } from "../../packages/log-worker/src/archive/layout";
import { BlockedGzipNdjson } from "../../packages/log-worker/src/archive/object";
import { putArchiveObject } from "../../packages/log-worker/src/archive/segment";

interface SeedEnv {
  log_archive: R2Bucket;
}

const LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;
const SERVICES = ["api", "auth-worker", "billing", "search"];
/** One entry in this many carries the text the full-text scan looks for. */
const NEEDLE_EVERY = 50_000;
const NEEDLE = "payment declined: card expired";
/** Entries per request id: a request logs a few lines, close together in time. */
const ENTRIES_PER_REQUEST = 5;

const encoder = new TextEncoder();

function seed(env: SeedEnv, p: URLSearchParams): Promise<unknown> {
  const date = p.get("date") ?? "";
  const segment = p.get("segment") ?? "";
  const start = Number(p.get("start"));
  const end = Number(p.get("end"));
  const n = Number(p.get("entries"));
  const writer = new BlockedGzipNdjson();
  const step = (end - start) / n;
  for (let i = 0; i < n; i++) {
    const t = Math.floor(start + i * step);
    const level = i % 97 === 0 ? 3 : i % 13 === 0 ? 2 : 1;
    const service = SERVICES[(i >> 3) % SERVICES.length] as string;
    const requestId = `${segment}-${Math.floor(i / ENTRIES_PER_REQUEST)}`;
    const path = `/api/items/${(i * 7919) % 10_000}`;
    const ms = (i * 31) % 977;
    const entry = {
      id: `${t}-${segment.slice(-8)}-${i}`,
      level: LEVELS[level],
      message: i % NEEDLE_EVERY === 1234 ? `${NEEDLE} (order ${i})` : `GET ${path} answered 200 in ${ms} ms`,
      timestamp: new Date(t).toISOString(),
      receivedAt: new Date(t + 40).toISOString(),
      service,
      requestId,
      method: "GET",
      path,
      status: 200,
      durationMs: ms,
      userAgent: "Mozilla/5.0 (bench)",
    };
    writer.addLine(encoder.encode(`${JSON.stringify(entry)}\n`), { t, level, service, requestId });
  }
  const built = writer.finish(objectKey(date, segment));
  return putArchiveObject(env.log_archive, built, 1, segment).then(() => ({
    key: built.key,
    size: built.body.byteLength,
    entries: n,
    blocks: built.index.blocks.length,
  }));
}

async function bare(env: SeedEnv, keys: string[]): Promise<{ lines: number; bytes: number }> {
  const decoder = new TextDecoder();
  let lines = 0;
  let bytes = 0;
  for (const key of keys) {
    const object = await env.log_archive.get(key);
    if (!object) throw new Error(`no object ${key}`);
    const body = new Uint8Array(await object.arrayBuffer());
    bytes += body.byteLength;
    const text = decoder.decode(gunzipSync(body));
    lines += text.split("\n").length - 1;
  }
  return { lines, bytes };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/seed")
      return Response.json(await seed(env, url.searchParams));
    if (request.method === "POST" && url.pathname === "/bare") {
      return Response.json(await bare(env, (await request.json()) as string[]));
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<SeedEnv>;
