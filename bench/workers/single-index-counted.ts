/** Bench only: the rejected single-index design (single-index-design.ts) with its bindings counted. */
import { withOpCounting } from "./op-counter";
import worker from "./single-index-design";

export default withOpCounting(worker, { kv: ["log_state"], r2: ["log_archive"] });
