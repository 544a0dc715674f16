/**
 * Redaction and copying: every entry is walked once, before it leaves the
 * caller's hands, into a JSON-safe copy in which
 * - values under sensitive keys (object keys, `Headers`/`Map` names, the name of
 *   a `[name, value]` pair as in `[...headers]`) are "[REDACTED]";
 * - URLs (`URL` objects, and strings that are absolute URLs with a query or
 *   userinfo) lose their userinfo and the values of sensitive query parameters;
 * - errors become `{ name, message, stack, cause, ...own fields }`, except that
 *   the message of a `SyntaxError` or a `ZodError`, which can quote the text
 *   being parsed (a request body, a password), is withheld;
 * - the copy is bounded: long strings are cut, and past a budget per entry the
 *   rest becomes "[Truncated]", so logging a 50 MB object copies ~32 KB of it.
 */

/** What a redacted value is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * The sensitive keys by default. A key is split into lowercase words
 * (`X-Api-Key` → x, api, key; `passHash` → pass, hash); it is sensitive when a
 * run of consecutive words, joined, equals an entry (`api`+`key` = `apikey`).
 * Entries of five or more letters also match the end of a run (`dbpassword`).
 * `$` at the end: only at the end of the key (`auth$` redacts `basicAuth`, not
 * `authMethod`). A match followed by a quantity word (`tokenCount`,
 * `passwordLength`) is a count and is kept; so is plural `tokens` (`maxTokens`).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  ...["password", "passwords", "passwd", "passphrase", "passcode", "passhash", "pwd", "pass$"],
  ...["secret", "secrets", "clientsecret", "credential", "credentials", "signature$"],
  ...["apikey", "apikeys", "privatekey", "privatekeys", "signingkey", "encryptionkey"],
  ...["token", "accesstoken", "accesstokens", "refreshtoken", "refreshtokens", "idtoken", "idtokens"],
  ...["authtoken", "authtokens", "apitokens", "csrftokens", "xsrftokens", "jwt", "bearer"],
  ...["authorization", "auth$", "authheader", "authkey", "cookie", "cookies", "setcookie"],
  ...["session", "sessionid"],
];

/** Query parameters redacted in URLs on top of the sensitive keys: short names that are secrets in a URL. */
const URL_PARAM_KEYS = ["key", "sig", "code", "otp", "hmac", "hash$"];

const QUANTITY_WORDS = new Set(
  ["count", "counts", "length", "len", "size", "limit", "limits", "total", "max", "min"].concat([
    "usage",
    "budget",
    "duration",
    "ttl",
    "age",
  ]),
);

/**
 * Redaction settings: `false` sends values as they are; `keys` replaces the
 * defaults, `extraKeys` adds to them (any spelling: `card_number` = `cardNumber`).
 * @example { extraKeys: ["ssn", "card_number"] }
 */
export type RedactConfig = false | { keys?: readonly string[]; extraKeys?: readonly string[] };

/** Whether a key is sensitive; null: redaction off. */
export type KeyMatcher = ((key: string) => boolean) | null;

/** A key as lowercase words, split at case changes, letter/digit changes and separators. */
export function keyWords(key: string): string[] {
  return key
    .replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
    .replace(/(\p{L})(\p{N})|(\p{N})(\p{L})/gu, "$1$3 $2$4")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

interface Rules {
  exact: Set<string>;
  exactAtEnd: Set<string>;
  suffix: string[];
  suffixAtEnd: string[];
  longestExact: number;
}

function compile(list: readonly string[]): Rules {
  const rules: Rules = {
    exact: new Set(),
    exactAtEnd: new Set(),
    suffix: [],
    suffixAtEnd: [],
    longestExact: 0,
  };
  for (const raw of list) {
    const atEnd = raw.endsWith("$");
    const entry = keyWords(atEnd ? raw.slice(0, -1) : raw).join("");
    if (entry.length >= 5) (atEnd ? rules.suffixAtEnd : rules.suffix).push(entry);
    else if (entry.length > 0) {
      (atEnd ? rules.exactAtEnd : rules.exact).add(entry);
      rules.longestExact = Math.max(rules.longestExact, entry.length);
    }
  }
  return rules;
}

function matches(rules: Rules, words: readonly string[]): boolean {
  // The key's end is its last word that is not a number (`X-Hub-Signature-256`).
  let end = words.length - 1;
  while (end > 0 && /^\p{N}+$/u.test(words[end] ?? "")) end--;
  let prefix = "";
  for (let j = 0; j < words.length; j++) {
    prefix += words[j];
    if (QUANTITY_WORDS.has(words[j + 1] ?? "")) continue;
    const atEnd = j === end;
    // Some run of words ending at j ends with an entry iff the words up to j do.
    if (rules.suffix.some((entry) => prefix.endsWith(entry))) return true;
    if (atEnd && rules.suffixAtEnd.some((entry) => prefix.endsWith(entry))) return true;
    let run = "";
    for (let i = j; i >= 0 && run.length <= rules.longestExact; i--) {
      run = words[i] + run;
      if (rules.exact.has(run) || (atEnd && rules.exactAtEnd.has(run))) return true;
    }
  }
  return false;
}

function matcherFor(list: readonly string[]): (key: string) => boolean {
  const rules = compile(list);
  // Entries repeat the same few keys: remember the answers (bounded).
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = matches(rules, keyWords(key));
      if (cache.size >= 1000) cache.clear();
      cache.set(key, hit);
    }
    return hit;
  };
}

const defaultMatcher = matcherFor(DEFAULT_REDACT_KEYS);

/** The key predicate for a configuration (default: {@link DEFAULT_REDACT_KEYS}). */
export function keyMatcher(config: RedactConfig | undefined): KeyMatcher {
  if (config === false) return null;
  if (!config || (config.keys === undefined && config.extraKeys === undefined)) return defaultMatcher;
  return matcherFor([...(config.keys ?? DEFAULT_REDACT_KEYS), ...(config.extraKeys ?? [])]);
}

const urlParamMatcher = matcherFor(URL_PARAM_KEYS);

/** Longest string kept whole; longer ones are cut. */
export const MAX_STRING_CHARS = 8 * 1024;
/** Rough size (characters of JSON) one entry may take; past it the rest is "[Truncated]". */
export const ENTRY_BUDGET_CHARS = 32 * 1024;
/** Deepest nesting copied. */
const MAX_DEPTH = 16;
/** An absolute URL that may carry credentials: userinfo or a query. */
const URL_WITH_SECRETS = /^[a-z][a-z\d+.-]*:\/\/[^\s]*[@?]/i;
/** Errors whose message can quote the input they failed on. */
const INPUT_QUOTING_ERRORS = new Set(["SyntaxError", "ZodError", "$ZodError"]);

/** A walk's state: the matcher, the objects above the current one, the budget left. */
interface Walk {
  isSensitive: KeyMatcher;
  ancestors: Set<object>;
  budget: number;
}

/**
 * A redacted, bounded, JSON-safe copy of `value` under the client's rules (the
 * defaults, or `config`): for code that logs outside the logger, such as tail
 * capture redacting what a worker printed.
 *
 * @example redact({ user: "ann", password: "x" }) // { user: "ann", password: "[REDACTED]" }
 */
export function redact(value: unknown, config?: RedactConfig): unknown {
  return copyForLog(value, keyMatcher(config)).value;
}

/**
 * A redacted, bounded, JSON-safe copy of `value`, and roughly how many bytes
 * its JSON takes (what the per-request byte cap counts).
 */
export function copyForLog(value: unknown, isSensitive: KeyMatcher): { value: unknown; size: number } {
  const walk: Walk = { isSensitive, ancestors: new Set(), budget: ENTRY_BUDGET_CHARS };
  const copy = visit(value, walk, 0);
  return { value: copy, size: ENTRY_BUDGET_CHARS - walk.budget };
}

function visit(value: unknown, walk: Walk, depth: number): unknown {
  if (walk.budget <= 0) return "[Truncated]";
  switch (typeof value) {
    case "string":
      return text(value, walk);
    case "number":
      walk.budget -= 8;
      // JSON would make these null and hide it.
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      walk.budget -= 5;
      return value;
    case "bigint":
      return text(value.toString(), walk);
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (walk.ancestors.has(obj)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  walk.ancestors.add(obj);
  const copy = visitObject(obj, walk, depth + 1);
  walk.ancestors.delete(obj);
  return copy;
}

function text(value: string, walk: Walk): string {
  let out =
    value.length > MAX_STRING_CHARS
      ? `${value.slice(0, MAX_STRING_CHARS)}…[cut ${value.length - MAX_STRING_CHARS} chars]`
      : value;
  // A URL string is rewritten only when it held something to redact.
  if (URL_WITH_SECRETS.test(out) && URL.canParse(out)) out = redactUrl(new URL(out), walk.isSensitive) ?? out;
  walk.budget -= out.length + 2;
  return out;
}

function visitObject(obj: object, walk: Walk, depth: number): unknown {
  if (Array.isArray(obj)) {
    // A `[name, value]` pair, as in `[...headers]` or `Object.entries(...)`.
    if (obj.length === 2 && typeof obj[0] === "string" && walk.isSensitive?.(obj[0]))
      return [obj[0], REDACTED];
    const out: unknown[] = [];
    for (const item of obj) {
      if (walk.budget <= 0) {
        out.push(`[${obj.length - out.length} more items]`);
        break;
      }
      out.push(visit(item, walk, depth) ?? null);
    }
    return out;
  }
  if (obj instanceof Error) return visitObject(errorFields(obj), walk, depth);
  if (obj instanceof Date)
    return Number.isNaN(obj.getTime()) ? "Invalid Date" : text(obj.toISOString(), walk);
  if (obj instanceof URL) return text(redactUrl(obj, walk.isSensitive) ?? obj.href, walk);
  if (obj instanceof Headers || obj instanceof Map || obj instanceof URLSearchParams) {
    return fields(obj.entries(), walk, depth);
  }
  if (obj instanceof Set) return visitObject([...obj], walk, depth);
  if (obj instanceof ArrayBuffer || ArrayBuffer.isView(obj)) return `[${obj.byteLength} bytes]`;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return visit(toJSON.call(obj), walk, depth);
  return fields(Object.entries(obj), walk, depth);
}

function fields(entries: Iterable<[unknown, unknown]>, walk: Walk, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of entries) {
    const key = String(rawKey);
    walk.budget -= key.length + 4;
    if (walk.budget <= 0) {
      out["[truncated]"] = true;
      break;
    }
    const copy = walk.isSensitive?.(key) && v !== undefined ? REDACTED : visit(v, walk, depth);
    if (copy !== undefined) out[key] = copy;
  }
  return out;
}

/**
 * An error as plain fields. Its own enumerable fields (`code`, `status`...) come
 * first so the standard ones win; `cause` and AggregateError's `errors` are
 * walked like any value (cycles and depth bounded by the walk).
 */
function errorFields(err: Error): Record<string, unknown> {
  if (INPUT_QUOTING_ERRORS.has(err.name)) {
    // The message, and the stack's first line that repeats it, can quote the parsed text.
    const frames = (err.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    return {
      name: err.name,
      message: errorMessage(err),
      stack: [`${err.name}: [withheld]`, ...frames].join("\n"),
      ...(err.cause === undefined ? {} : { cause: err.cause }),
    };
  }
  const out: Record<string, unknown> = { ...err, name: err.name, message: err.message, stack: err.stack };
  if (err.cause !== undefined) out.cause = err.cause;
  if (err instanceof AggregateError) out.errors = err.errors.slice(0, 10);
  return out;
}

/** An error's message, or a placeholder for errors whose message can quote the text they parsed. */
export function errorMessage(err: Error): string {
  return INPUT_QUOTING_ERRORS.has(err.name)
    ? "[withheld: this error's message can quote its input]"
    : err.message;
}

/** `url` without userinfo and with sensitive query values replaced, or undefined when it holds none. */
function redactUrl(url: URL, isSensitive: KeyMatcher): string | undefined {
  if (!isSensitive) return undefined;
  const copy = new URL(url.href);
  let changed = false;
  if (copy.username || copy.password) {
    copy.username = "REDACTED";
    copy.password = "";
    changed = true;
  }
  for (const name of new Set(copy.searchParams.keys())) {
    if (isSensitive(name) || urlParamMatcher(name)) {
      copy.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? copy.href : undefined;
}
