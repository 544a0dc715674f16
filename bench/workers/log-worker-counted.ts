/**
 * Bench only: the product's log-worker, unchanged, with its KV and R2 bindings
 * counted (see op-counter.ts). Used by the cost model; throughput is measured
 * on the plain bundle of wrangler.logworker.toml, without this wrapper.
 */
import worker from "../../packages/log-worker/src/index";
import { withOpCounting } from "./op-counter";

export default withOpCounting(worker, { kv: ["log_state"], r2: ["log_archive"] });
