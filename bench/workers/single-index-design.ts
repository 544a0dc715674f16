/**
 * THE REJECTED DESIGN, kept as a benchmark reference only. Never imported by the
 * product; nothing under packages/ may depend on it.
 *
 * The first version of log-worker kept the list of every batch key in one KV
 * value, `log_keys:index`, rewritten on every POST /log (see DESIGN.md, "Why not
 * a single index key"). This module reproduces that design with the product's
 * own validation and batch format, so that the only difference the bench sees
 * is the index: each ingest is the batch put PLUS a read-modify-write of the
 * index. KV has no compare-and-swap, so concurrent requests read the same list
 * and the last put wins: keys vanish from the index, and the archive, which
 * walks the index, never moves those batches.
 *
 *   POST /log    store the batch, then get + put the index; 201 once both resolved
 *   POST /flush  archive what the index lists (bulk gets, gzip NDJSON to R2,
 *                one delete per key), then remove those keys from the index
 *                (another read-modify-write)
 */
// Only ingest and the reading of a stored value are borrowed from the product
// (validation, key and value format), so that the two designs differ by the
// index alone. The archive below is this module's own, a plain version of the
// same steps.
import { storeEntries } from "../../packages/log-worker/src/ingest/core";
import { newLogKey, parseBatch } from "../../packages/log-worker/src/store/batches";

// Not exported: every export of an entry module must be a handler or an entrypoint.
const INDEX_KEY = "log_keys:index";

/** Same bounds as the product's defaults: object size, keys per bulk get, deletes in flight. */
const OBJECT_MAX_BYTES = 32 * 1024 * 1024;
const BULK_GET_MAX = 100;
const DELETE_CONCURRENCY = 16;

interface Bindings {
  log_state: KVNamespace;
  log_archive: R2Bucket;
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status });
}

async function ingest(request: Request, env: Bindings): Promise<Response> {
  const receivedAtMs = Date.now();
  const key = newLogKey(receivedAtMs);
  let accepted: number;
  try {
    accepted = await storeEntries(env.log_state, key, JSON.parse(await request.text()), receivedAtMs);
  } catch (err) {
    // The product's validation and storage throw errors carrying their HTTP status (413, 400, 503).
    const status =
      typeof (err as { status?: unknown }).status === "number" ? (err as { status: number }).status : 400;
    return json(status, { error: { code: "invalid", message: String(err) } });
  }
  try {
    // The flaw: a read-modify-write of one shared key, with nothing to detect
    // that another request wrote it in between.
    const index = (await env.log_state.get<string[]>(INDEX_KEY, "json")) ?? [];
    index.push(key);
    await env.log_state.put(INDEX_KEY, JSON.stringify(index));
  } catch (err) {
    // Past ~25 MiB (about 600,000 keys) the index put itself fails.
    return json(503, { error: { code: "storage_unavailable", message: String(err) } });
  }
  return json(201, { accepted, key });
}

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

async function deleteAll(kv: KVNamespace, keys: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await kv.delete(keys[next++] as string);
  };
  await Promise.all(Array.from({ length: DELETE_CONCURRENCY }, worker));
}

async function archive(env: Bindings): Promise<Response> {
  const kv = env.log_state;
  const listed = (await kv.get<string[]>(INDEX_KEY, "json")) ?? [];
  const objects: string[] = [];
  let archived = 0;
  let lines: string[] = [];
  let bytes = 0;
  let objectKeys: string[] = [];

  const commit = async () => {
    if (objectKeys.length === 0) return;
    const name = `legacy/${objectKeys[0]?.replaceAll(":", "-")}-${objectKeys.length}.ndjson.gz`;
    await env.log_archive.put(name, await gzip(lines.join("")), {
      httpMetadata: { contentType: "application/gzip" },
    });
    archived += lines.length;
    objects.push(name);
    const done = objectKeys;
    lines = [];
    bytes = 0;
    objectKeys = [];
    // Deleted only after the object holding them is written.
    await deleteAll(kv, done);
  };

  for (let i = 0; i < listed.length; i += BULK_GET_MAX) {
    const chunk = listed.slice(i, i + BULK_GET_MAX);
    const values = await kv.get(chunk, "text");
    for (const key of chunk) {
      const text = values.get(key);
      if (text == null) continue;
      for (const entry of parseBatch(key, text)) {
        const line = `${JSON.stringify(entry)}\n`;
        lines.push(line);
        bytes += line.length;
      }
      objectKeys.push(key);
      if (bytes >= OBJECT_MAX_BYTES) await commit();
    }
  }
  await commit();
  // Drop the archived keys from the index: one more read-modify-write.
  const done = new Set(listed);
  const current = (await kv.get<string[]>(INDEX_KEY, "json")) ?? [];
  await kv.put(INDEX_KEY, JSON.stringify(current.filter((key) => !done.has(key))));
  return json(200, { archived, keys: listed.length, objects, remaining: false });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/log") return ingest(request, env);
    if (request.method === "POST" && pathname === "/flush") return archive(env);
    return json(404, { error: { code: "not_found", message: "POST /log or POST /flush" } });
  },
} satisfies ExportedHandler<Bindings>;
