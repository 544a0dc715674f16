/**
 * `TAIL_CAPTURE`: how much of a producer's invocations tail capture keeps.
 * A `[vars]` default in wrangler.logworker.toml, so `.dev.vars` can override it.
 */

/** `errors`: console warn/error, exceptions, failed outcomes, responses ≥ 500. `all`: everything. */
export type TailCapture = "errors" | "all";

/** Reads the setting; anything but `all` (any case, spaces around) means `errors`, the cheaper one. */
export function tailCapture(value: unknown): TailCapture {
  return typeof value === "string" && value.trim().toLowerCase() === "all" ? "all" : "errors";
}
