// The cost model's prices and billing classes.
//
// Prices are DESIGN.md's ("Platform facts", $ per million operations). The
// classes follow Cloudflare's pricing pages:
//   KV: a bulk get of n keys is billed as n reads ("operations are billed per
//       key"); put = write; delete = delete (priced as a write); list = list.
//   R2: class A = put, list, multipart create/complete/upload; class B = get, head.
//       R2 DeleteObject is free in Cloudflare's R2 pricing; DESIGN.md does not
//       list it, so deletes are counted apart and priced at $0 (an assumption).

/** $ per million operations. */
export const PRICE_PER_MILLION = Object.freeze({
  kvRead: 0.5,
  kvWrite: 5,
  kvDelete: 5,
  kvList: 5,
  r2ClassA: 4.5,
  r2ClassB: 0.36,
  r2Delete: 0,
});

/** @typedef {keyof typeof PRICE_PER_MILLION} BillingClass */
/** @typedef {Record<string, { calls: number, keys: number }>} OpCounts */

/** @type {Record<string, { cls: BillingClass, per: "calls" | "keys" }>} */
const BILLING = {
  "kv.get": { cls: "kvRead", per: "keys" },
  "kv.getWithMetadata": { cls: "kvRead", per: "keys" },
  "kv.put": { cls: "kvWrite", per: "calls" },
  "kv.delete": { cls: "kvDelete", per: "calls" },
  "kv.list": { cls: "kvList", per: "calls" },
  "r2.put": { cls: "r2ClassA", per: "calls" },
  "r2.list": { cls: "r2ClassA", per: "calls" },
  "r2.createMultipartUpload": { cls: "r2ClassA", per: "calls" },
  "r2.resumeMultipartUpload": { cls: "r2ClassA", per: "calls" },
  "r2.get": { cls: "r2ClassB", per: "calls" },
  "r2.head": { cls: "r2ClassB", per: "calls" },
  "r2.delete": { cls: "r2Delete", per: "keys" },
};

/** @returns {Record<BillingClass, number>} */
export function zeroClasses() {
  return { kvRead: 0, kvWrite: 0, kvDelete: 0, kvList: 0, r2ClassA: 0, r2ClassB: 0, r2Delete: 0 };
}

/**
 * Billable operations by class, from counted binding calls. A method with no
 * known billing class fails loudly rather than being priced at zero.
 * @param {OpCounts} counts
 */
export function billableOps(counts) {
  const out = zeroClasses();
  for (const [op, { calls, keys }] of Object.entries(counts)) {
    const billing = BILLING[op];
    if (!billing) throw new Error(`cost model: no billing class for binding method ${op}`);
    out[billing.cls] += billing.per === "keys" ? keys : calls;
  }
  return out;
}

/**
 * Dollars for operations by class.
 * @param {Record<BillingClass, number>} ops
 */
export function dollars(ops) {
  let total = 0;
  for (const cls of /** @type {BillingClass[]} */ (Object.keys(PRICE_PER_MILLION))) {
    total += (ops[cls] * PRICE_PER_MILLION[cls]) / 1_000_000;
  }
  return total;
}

/**
 * `ops` times `factor` (scaling a measured run to 1,000,000 entries).
 * @param {Record<BillingClass, number>} ops
 * @param {number} factor
 */
export function scaleOps(ops, factor) {
  const out = zeroClasses();
  for (const cls of /** @type {BillingClass[]} */ (Object.keys(out))) out[cls] = ops[cls] * factor;
  return out;
}

/**
 * Sum of two op tallies.
 * @param {Record<BillingClass, number>} a
 * @param {Record<BillingClass, number>} b
 */
export function addOps(a, b) {
  const out = zeroClasses();
  for (const cls of /** @type {BillingClass[]} */ (Object.keys(out))) out[cls] = a[cls] + b[cls];
  return out;
}
