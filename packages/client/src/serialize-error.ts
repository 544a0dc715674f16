/**
 * Errors as plain JSON. `JSON.stringify(new Error("x"))` is `{}`: name, message,
 * stack and cause are not enumerable, so without this every logged error would
 * arrive empty.
 */

/** An `Error` as it travels in a log entry (under `err`). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The `cause` chain, serialized the same way (or the raw value when it is not an Error). */
  cause?: unknown;
  /** The inner errors of an `AggregateError`. */
  errors?: unknown[];
  /** Own enumerable properties such as `code` or `status`, kept as they are. */
  [property: string]: unknown;
}

/** How many causes deep a chain is followed; deeper links become "[Truncated]". */
export const MAX_CAUSE_DEPTH = 8;
/** How many inner errors of an `AggregateError` are kept. */
const MAX_AGGREGATE_ERRORS = 10;

/**
 * Turns an `Error` into a plain object with `name`, `message`, `stack`, `cause`
 * (recursively, at most {@link MAX_CAUSE_DEPTH} deep, cycles cut) and its own
 * enumerable properties. Other values are returned unchanged. A property whose
 * getter throws becomes "[Unreadable]"; never throws.
 *
 * The result is not redacted and may still hold non-JSON values in extra
 * properties; the logger passes it through `redact()` before sending.
 *
 * @example
 * try {
 *   await fetch(url);
 * } catch (err) {
 *   serializeError(new Error("upstream failed", { cause: err }));
 *   // { name: "Error", message: "upstream failed", stack: "…", cause: { name: "TypeError", … } }
 * }
 */
export function serializeError(value: unknown): unknown {
  try {
    return serialize(value, 0, new Set());
  } catch {
    // A Proxy posing as an Error, or one whose prototype chain throws.
    return { name: "Error", message: "[Unserializable error]" };
  }
}

function serialize(value: unknown, depth: number, chain: Set<Error>): unknown {
  if (!isError(value)) return value;
  if (chain.has(value)) return "[Circular]";
  if (depth >= MAX_CAUSE_DEPTH) return "[Truncated]";
  chain.add(value);
  try {
    const out: SerializedError = {
      name: safeString(read(value, "name"), "Error"),
      message: safeString(read(value, "message"), ""),
    };
    const stack = read(value, "stack");
    if (typeof stack === "string") out.stack = stack;
    // Own enumerable properties (`code`, `status`, …) first, so the standard
    // fields written after them win over same-named ones.
    for (const key of Object.keys(value)) {
      if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
      out[key] = read(value, key);
    }
    const cause = read(value, "cause");
    if (cause !== undefined) out.cause = serialize(cause, depth + 1, chain);
    if (value instanceof AggregateError) {
      const errors = read(value, "errors");
      if (Array.isArray(errors)) {
        out.errors = errors.slice(0, MAX_AGGREGATE_ERRORS).map((e) => serialize(e, depth + 1, chain));
      }
    }
    return out;
  } finally {
    chain.delete(value);
  }
}

const UNREADABLE = "[Unreadable]";

/** `value instanceof Error`, false instead of a throw for a Proxy whose traps throw. @internal */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** A property, or "[Unreadable]" when its getter throws. */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

function safeString(value: unknown, fallback: string): string {
  try {
    return typeof value === "string" ? value : value === undefined ? fallback : String(value);
  } catch {
    return fallback;
  }
}
