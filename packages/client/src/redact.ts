/**
 * Redaction: values under sensitive keys are replaced before an entry leaves
 * the worker, whether it goes to log-worker or to the `console.error` fallback.
 *
 * The same walk makes a value JSON-safe, because both have to visit every
 * nested value anyway: errors become plain objects, cycles and over-deep
 * nesting become markers, `bigint`s become strings.
 */
import { serializeError } from "./serialize-error";

/** What a redacted value is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * Key words whose values never leave the worker, in normalised form (lowercase,
 * without `-`, `_`, `.` or spaces). A key matches when its normalised form ends
 * with a word, optionally plus "s": `Authorization`, `set-cookie`, `x-api-key`,
 * `api_key`, `accessToken`, `clientSecret`, `sessionToken`, `cookies` all match;
 * `tokenCount` or `secretName` do not.
 * @example
 * createLogger({ binding, service, redact: { keys: [...DEFAULT_REDACT_KEYS, "ssn"] } });
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "authorization",
  "cookie",
  "apikey",
  "privatekey",
];

/**
 * How to redact. `false` turns redaction off (the values are sent as they are).
 * @example { extraKeys: ["ssn", "card_number"] }   // the defaults plus two
 * @example { keys: ["password"] }                  // only this one
 */
export type RedactConfig =
  | false
  | {
      /** Replaces {@link DEFAULT_REDACT_KEYS}. */
      keys?: readonly string[];
      /** Added to the list (the defaults, or `keys`). */
      extraKeys?: readonly string[];
    };

/** Deepest nesting kept; anything deeper becomes "[Truncated]". */
export const MAX_DEPTH = 16;

/**
 * The form keys are compared in: lowercase, without `-`, `_`, `.` and whitespace.
 * @example normaliseKey("X-Api-Key"); // "xapikey"
 */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, "");
}

/** A predicate telling whether a key is sensitive under `config`, or null when redaction is off. */
export function keyMatcher(config: RedactConfig | undefined): ((key: string) => boolean) | null {
  if (config === false) return null;
  const words = [...(config?.keys ?? DEFAULT_REDACT_KEYS), ...(config?.extraKeys ?? [])]
    .map(normaliseKey)
    .filter((word) => word.length > 0);
  if (words.length === 0) return null;
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      const k = normaliseKey(key);
      hit = words.some((w) => k.endsWith(w) || k.endsWith(`${w}s`));
      if (cache.size < 1000) cache.set(key, hit);
    }
    return hit;
  };
}

/**
 * A JSON-safe deep copy of `value` with every value under a sensitive key
 * replaced by "[REDACTED]", in nested objects and inside arrays, whatever the
 * key's case or separators. Errors become `{ name, message, stack, cause, … }`,
 * cycles "[Circular]", nesting deeper than {@link MAX_DEPTH} "[Truncated]",
 * `bigint` a string, `Headers`/`Map` objects, `Set` arrays; functions,
 * symbols and `undefined` are dropped as `JSON.stringify` would. Never throws.
 *
 * @example
 * redact({ user: "ada", headers: { Authorization: "Bearer abc" }, tokens: [{ refreshToken: "r" }] });
 * // { user: "ada", headers: { Authorization: "[REDACTED]" }, tokens: "[REDACTED]" }
 * redact({ password: "x" }, false); // { password: "x" }
 */
export function redact(value: unknown, config?: RedactConfig): unknown {
  return toJsonSafe(value, keyMatcher(config));
}

/** {@link redact} with a prebuilt matcher (null: redaction off), for callers that redact many values. */
export function toJsonSafe(value: unknown, isSensitive: ((key: string) => boolean) | null): unknown {
  try {
    return walk(value, isSensitive, new Set(), 0);
  } catch {
    // Exotic objects (revoked proxies, throwing iterators) must not break logging.
    return "[Unserializable]";
  }
}

function walk(
  value: unknown,
  isSensitive: ((key: string) => boolean) | null,
  ancestors: Set<object>,
  depth: number,
): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // JSON would turn these into null and hide the fact; keep them visible.
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  // Only ancestors count: the same object twice side by side is not a cycle.
  if (ancestors.has(obj)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  ancestors.add(obj);
  try {
    return walkObject(obj, isSensitive, ancestors, depth);
  } finally {
    ancestors.delete(obj);
  }
}

function walkObject(
  obj: object,
  isSensitive: ((key: string) => boolean) | null,
  ancestors: Set<object>,
  depth: number,
): unknown {
  const next = (v: unknown) => walk(v, isSensitive, ancestors, depth + 1);
  if (Array.isArray(obj)) return obj.map((item) => next(item) ?? null);
  if (obj instanceof Error) return next(serializeError(obj));
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (obj instanceof Headers) return entriesToObject(obj.entries(), isSensitive, next);
  if (obj instanceof Map) return entriesToObject(obj.entries(), isSensitive, next);
  if (obj instanceof Set) return [...obj].map((item) => next(item) ?? null);
  if (obj instanceof ArrayBuffer || ArrayBuffer.isView(obj)) return `[${obj.byteLength} bytes]`;
  if (obj instanceof URL) return obj.href;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return next(toJSON.call(obj));
  return entriesToObject(ownEntries(obj), isSensitive, next);
}

/** Own enumerable properties; a getter that throws yields a marker instead of losing the whole object. */
function* ownEntries(obj: object): Generator<[string, unknown]> {
  for (const key of Object.keys(obj)) {
    let v: unknown;
    try {
      v = (obj as Record<string, unknown>)[key];
    } catch {
      v = "[Unreadable]";
    }
    yield [key, v];
  }
}

function entriesToObject(
  entries: Iterable<[unknown, unknown]>,
  isSensitive: ((key: string) => boolean) | null,
  next: (v: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of entries) {
    const key = String(rawKey);
    if (isSensitive?.(key) && v !== undefined) {
      out[key] = REDACTED;
      continue;
    }
    const safe = next(v);
    if (safe !== undefined) out[key] = safe;
  }
  return out;
}
