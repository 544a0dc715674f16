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
 * What is redacted by default. A key is split into lowercase words (see
 * {@link keyWords}); it is sensitive when a run of one or more consecutive
 * words, joined, equals an entry here (`api` + `key` is `apikey`). Entries of
 * five or more letters also match the end of such a run, so run-together keys
 * are caught too (`dbpassword`, `xapikey`, `csrftoken`).
 *
 * - An entry ending in `$` only matches at the end of the key (trailing number
 *   words such as the `256` of `X-Hub-Signature-256` aside): `auth$` redacts
 *   `auth`, `basicAuth` and `x-auth` but not `authMethod` or `authProvider`.
 * - A match directly followed by a quantity word ({@link QUANTITY_WORDS}) is a
 *   count, not the value: `tokenCount`, `passwordLength`, `sessionCount` stay.
 * - Plural `tokens` is not listed, so token counts stay (`tokens`, `maxTokens`,
 *   `inputTokens`, `outputTokens`, `totalTokens`); `accessTokens` and the other
 *   listed plurals are still redacted, and so is anything under them that is.
 * - `author`, `authority` or `tokenizer` are words of their own and never match.
 *
 * Matching fails closed: `secretName` or `authorizationUrl` are redacted too.
 * @example
 * createLogger({ binding, service, redact: { keys: [...DEFAULT_REDACT_KEYS, "ssn"] } });
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  // Passwords.
  "password",
  "passwords",
  "passwd",
  "passphrase",
  "pwd",
  "passcode",
  "pass$",
  // Secrets and keys.
  "secret",
  "secrets",
  "clientsecret",
  "apikey",
  "apikeys",
  "privatekey",
  "privatekeys",
  "signingkey",
  "encryptionkey",
  "credential",
  "credentials",
  "signature$",
  // Tokens. Not "tokens": alone it is a count (maxTokens, inputTokens).
  "token",
  "accesstoken",
  "accesstokens",
  "refreshtoken",
  "refreshtokens",
  "idtoken",
  "idtokens",
  "authtoken",
  "authtokens",
  "apitokens",
  "csrftokens",
  "xsrftokens",
  "jwt",
  "bearer",
  // HTTP authentication and sessions.
  "authorization",
  "auth$",
  "authheader",
  "authkey",
  "cookie",
  "cookies",
  "setcookie",
  "session",
  "sessionid",
];

/**
 * Words that, right after a sensitive word, make the key a quantity rather
 * than the value itself: `tokenCount`, `passwordMinLength`, `cookieSize`,
 * `sessionDurationMs`, `tokenTtl`.
 */
export const QUANTITY_WORDS: ReadonlySet<string> = new Set([
  "count",
  "counts",
  "length",
  "len",
  "size",
  "limit",
  "limits",
  "total",
  "max",
  "min",
  "usage",
  "budget",
  "duration",
  "ttl",
  "age",
]);

/**
 * How to redact. `false` turns redaction off (the values are sent as they are).
 * Entries are matched as described at {@link DEFAULT_REDACT_KEYS}, in any
 * spelling (`card_number`, `cardNumber` and `CARD-NUMBER` are the same entry).
 * A configuration that cannot be read falls back to the defaults, never to
 * no redaction.
 * @example { extraKeys: ["ssn", "card_number"] }     // the defaults plus two
 * @example { keys: ["password", "pin$"] }            // only these
 */
export type RedactConfig =
  | false
  | {
      /** Replaces {@link DEFAULT_REDACT_KEYS}. */
      keys?: readonly string[];
      /** Added to the list (the defaults, or `keys`). */
      extraKeys?: readonly string[];
    };

/** What a value that cannot be read or copied is replaced with. */
const UNSERIALIZABLE = "[Unserializable]";

/** Deepest nesting kept; anything deeper becomes "[Truncated]". */
export const MAX_DEPTH = 16;

/** Entries at least this long also match the end of a run of words. */
const SUFFIX_MIN_LENGTH = 5;
/** Keys cached per matcher before the cache starts over; longer keys are not cached. */
const CACHE_SIZE = 1000;
const CACHE_KEY_LENGTH = 128;

/**
 * A key as lowercase words: split at camelCase and PascalCase boundaries
 * (`APIKey` is `api`, `key`), between letters and digits, and at anything that
 * is not a letter or digit (`_`, `-`, `.`, spaces…). Never throws.
 * @example keyWords("aws_secret_access_key"); // ["aws", "secret", "access", "key"]
 * @example keyWords("privateKeyPem");         // ["private", "key", "pem"]
 */
export function keyWords(key: string): string[] {
  try {
    return String(key)
      .replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2")
      .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
      .replace(/(\p{L})(\p{N})/gu, "$1 $2")
      .replace(/(\p{N})(\p{L})/gu, "$1 $2")
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word.length > 0);
  } catch {
    return [];
  }
}

/**
 * A key's words joined: the form entries of the redaction list are compared in.
 * @example normaliseKey("X-Api-Key"); // "xapikey"
 */
export function normaliseKey(key: string): string {
  return keyWords(key).join("");
}

/** A redaction list, compiled. */
interface Rules {
  /** Short entries: a run of words must equal one. */
  exact: Set<string>;
  exactAtEnd: Set<string>;
  /** Longer entries: a run of words must end with one. */
  suffix: string[];
  suffixAtEnd: string[];
  maxExactLength: number;
}

function compile(list: readonly unknown[]): Rules | null {
  const rules: Rules = {
    exact: new Set(),
    exactAtEnd: new Set(),
    suffix: [],
    suffixAtEnd: [],
    maxExactLength: 0,
  };
  let count = 0;
  for (const raw of list) {
    if (typeof raw !== "string") continue;
    const trimmed = raw.trim();
    const atEnd = trimmed.endsWith("$");
    const entry = normaliseKey(atEnd ? trimmed.slice(0, -1) : trimmed);
    if (entry.length === 0) continue;
    count++;
    if (entry.length >= SUFFIX_MIN_LENGTH) {
      (atEnd ? rules.suffixAtEnd : rules.suffix).push(entry);
    } else {
      (atEnd ? rules.exactAtEnd : rules.exact).add(entry);
      rules.maxExactLength = Math.max(rules.maxExactLength, entry.length);
    }
  }
  return count > 0 ? rules : null;
}

function isNumberWord(word: string): boolean {
  return /^\p{N}+$/u.test(word);
}

function matches(rules: Rules, words: readonly string[]): boolean {
  // The key's end: its last word that is not a number (`Signature-256`, `pass2`).
  let end = words.length - 1;
  while (end > 0 && isNumberWord(words[end] ?? "")) end--;
  let prefix = "";
  for (let j = 0; j < words.length; j++) {
    prefix += words[j];
    const next = words[j + 1];
    // `tokenCount`, `passwordLength`: a quantity, not the value.
    if (next !== undefined && QUANTITY_WORDS.has(next)) continue;
    const atEnd = j === end;
    // Some run of words ending at j ends with the entry iff all words up to j do.
    for (const entry of rules.suffix) if (prefix.endsWith(entry)) return true;
    if (atEnd) for (const entry of rules.suffixAtEnd) if (prefix.endsWith(entry)) return true;
    let run = "";
    for (let i = j; i >= 0; i--) {
      run = (words[i] ?? "") + run;
      if (run.length > rules.maxExactLength) break;
      if (rules.exact.has(run) || (atEnd && rules.exactAtEnd.has(run))) return true;
    }
  }
  return false;
}

function matcherFor(list: readonly unknown[]): ((key: string) => boolean) | null {
  const rules = compile(list);
  if (!rules) return null;
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = matches(rules, keyWords(key));
      if (key.length <= CACHE_KEY_LENGTH) {
        if (cache.size >= CACHE_SIZE) cache.clear();
        cache.set(key, hit);
      }
    }
    return hit;
  };
}

let defaultMatcher: ((key: string) => boolean) | null | undefined;
function defaults(): ((key: string) => boolean) | null {
  if (defaultMatcher === undefined) defaultMatcher = matcherFor(DEFAULT_REDACT_KEYS);
  return defaultMatcher;
}

/**
 * A predicate telling whether a key is sensitive under `config`, or null when
 * redaction is off (`false`, or an empty list). Never throws: a configuration
 * that cannot be read gives the defaults.
 */
export function keyMatcher(config: RedactConfig | undefined): ((key: string) => boolean) | null {
  try {
    if (config === false) return null;
    if (config === undefined || config === null || typeof config !== "object") return defaults();
    const keys: unknown = config.keys;
    const extraKeys: unknown = config.extraKeys;
    if (keys === undefined && extraKeys === undefined) return defaults();
    const base: readonly unknown[] = keys === undefined ? DEFAULT_REDACT_KEYS : asList(keys);
    return matcherFor([...base, ...(extraKeys === undefined ? [] : asList(extraKeys))]);
  } catch {
    return defaults();
  }
}

function asList(value: unknown): readonly unknown[] {
  if (typeof value === "string") return [value];
  // Anything else that is not a list is a mistake: the caller falls back to the defaults.
  if (!Array.isArray(value)) throw new TypeError("redaction keys must be an array of strings");
  return [...value];
}

/**
 * A JSON-safe deep copy of `value` with every value under a sensitive key
 * replaced by "[REDACTED]", in nested objects and inside arrays, whatever the
 * key's case or separators. Errors become `{ name, message, stack, cause, … }`,
 * cycles "[Circular]", nesting deeper than {@link MAX_DEPTH} "[Truncated]",
 * `bigint` a string, `Headers`/`Map` objects, `Set` arrays; functions,
 * symbols and `undefined` are dropped as `JSON.stringify` would. A value that
 * cannot be read (a throwing getter) becomes "[Unreadable]", one that cannot be
 * copied (a throwing `toJSON`, a hostile or revoked Proxy) "[Unserializable]",
 * and only that value is lost. Never throws.
 *
 * @example
 * redact({ user: "ada", headers: { Authorization: "Bearer abc" }, maxTokens: 512, sessionId: "s1" });
 * // { user: "ada", headers: { Authorization: "[REDACTED]" }, maxTokens: 512, sessionId: "[REDACTED]" }
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
    return UNSERIALIZABLE;
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
  } catch {
    // A throwing toJSON, a Proxy trap, a revoked Proxy: lose this value only.
    return UNSERIALIZABLE;
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
    const key = typeof rawKey === "string" ? rawKey : safeKey(rawKey);
    if (isSensitive?.(key) && v !== undefined) {
      out[key] = REDACTED;
      continue;
    }
    const safe = next(v);
    if (safe !== undefined) out[key] = safe;
  }
  return out;
}

function safeKey(key: unknown): string {
  try {
    return String(key);
  } catch {
    return UNSERIALIZABLE;
  }
}
