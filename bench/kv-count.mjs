// Counting what a run left in KV, from Node through Miniflare's binding proxy.

/** @typedef {Awaited<ReturnType<import("miniflare").Miniflare["getKVNamespace"]>>} KVNamespace */

/**
 * Keys of log-worker's batches (`log:{13-digit epoch ms}:{suffix}`) received in
 * [fromMs, toMs]. Lists only the 10-second prefixes the window touches, so a
 * namespace holding earlier cells' keys costs no more to count.
 * @param {KVNamespace} kv
 * @param {number} fromMs
 * @param {number} toMs
 */
export async function countLogKeysBetween(kv, fromMs, toMs) {
  let n = 0;
  for (let tens = Math.floor(fromMs / 10_000); tens <= Math.floor(toMs / 10_000); tens++) {
    const prefix = `log:${String(tens).padStart(9, "0")}`;
    /** @type {string | undefined} */
    let cursor;
    do {
      const page = await kv.list({ prefix, cursor });
      for (const { name } of page.keys) {
        const ms = Number(name.slice(4, 17));
        if (ms >= fromMs && ms <= toMs) n++;
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }
  return n;
}

/**
 * Every key under `prefix`.
 * @param {KVNamespace} kv
 * @param {string} prefix
 */
export async function countKeys(kv, prefix) {
  let n = 0;
  /** @type {string | undefined} */
  let cursor;
  do {
    const page = await kv.list({ prefix, cursor });
    n += page.keys.length;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return n;
}
