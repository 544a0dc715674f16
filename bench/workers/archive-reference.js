// Reference: the least an archive job can do. It moves the same batches as
// log-worker's POST /flush but only lists them, bulk-gets their values (100
// keys per get, as the product does), writes every value, newline-separated,
// into one R2 object, and deletes the keys (16 deletes in flight, the product's
// default). No parsing, no partitioning, no gzip, no index, no journal, no
// lease: log-worker's archive speed over this one's is what those cost.
//
//   POST /copy   copies every `log:` batch of log-worker's namespace into this
//                worker's own namespace (untimed set-up: the product's flush
//                then moves the originals, this worker moves the copies)
//   POST /run    the reference run over the copies: { keys, bytes }

const DELETE_CONCURRENCY = 16;
const BULK_GET_MAX = 100;

/**
 * Every key under `prefix`, in order.
 * @param {KVNamespace} kv
 * @param {string} prefix
 */
async function listAll(kv, prefix) {
  /** @type {string[]} */
  const keys = [];
  let cursor;
  for (;;) {
    /** @type {KVNamespaceListResult<unknown, string>} */
    const page = await kv.list({ prefix, cursor });
    for (const k of page.keys) keys.push(k.name);
    if (page.list_complete) return keys;
    cursor = page.cursor;
  }
}

/**
 * `work` over `items`, `limit` at a time.
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<unknown>} work
 */
async function pool(items, limit, work) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(/** @type {T} */ (items[i]));
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * [key, value] of `keys` that still exist, bulk-got 100 at a time, in key order.
 * @param {KVNamespace} kv
 * @param {string[]} keys
 */
async function bulkGet(kv, keys) {
  /** @type {[string, string][]} */
  const pairs = [];
  for (let i = 0; i < keys.length; i += BULK_GET_MAX) {
    const got = await kv.get(keys.slice(i, i + BULK_GET_MAX), "text");
    for (const [key, value] of got) if (value !== null) pairs.push([key, value]);
  }
  return pairs;
}

export default {
  /**
   * @param {Request} request
   * @param {{ log_state: KVNamespace, reference_state: KVNamespace, reference_archive: R2Bucket }} env
   */
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/copy") {
      const pairs = await bulkGet(env.log_state, await listAll(env.log_state, "log:"));
      await pool(pairs, DELETE_CONCURRENCY, ([key, value]) => env.reference_state.put(key, value));
      return Response.json({ keys: pairs.length });
    }
    if (request.method === "POST" && pathname === "/run") {
      const keys = await listAll(env.reference_state, "log:");
      const pairs = await bulkGet(env.reference_state, keys);
      const body = `${pairs.map(([, value]) => value).join("\n")}\n`;
      await env.reference_archive.put(`reference/${Date.now()}.ndjson`, body);
      await pool(keys, DELETE_CONCURRENCY, (key) => env.reference_state.delete(key));
      return Response.json({ keys: keys.length, bytes: body.length });
    }
    return new Response("archive reference: POST /copy, POST /run", { status: 404 });
  },
};
