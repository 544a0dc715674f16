/**
 * The keys that open log-worker's public URL, by scope.
 *
 * - `LOG_INGEST_KEYS`: `name:secret` pairs, comma-separated; they send logs.
 * - `LOG_READ_KEYS`: the same format; they read logs (`GET /debug/*`, the viewer, MCP).
 * - `LOG_API_KEY`: one secret, the admin key; it opens everything.
 *
 * A request's key is hashed once (SHA-256) and its digest looked up in a map of
 * the configured keys' digests, so the work per request does not grow with the
 * number of keys and no comparison runs over the secret's characters. The map
 * is built once per isolate for a given set of setting values.
 */

export const SCOPES = ["ingest", "read", "admin"] as const;
/** What a key may do: `ingest` sends, `read` reads, `admin` does both and runs the archive. */
export type Scope = (typeof SCOPES)[number];

/** The setting that holds each scope's keys. */
export const SCOPE_SETTING = {
  ingest: "LOG_INGEST_KEYS",
  read: "LOG_READ_KEYS",
  admin: "LOG_API_KEY",
} as const satisfies Record<Scope, keyof Env>;
export type KeySetting = (typeof SCOPE_SETTING)[Scope];

/** The settings a key store is built from (each may be unset). */
export type KeySettings = Partial<Record<KeySetting, unknown>>;

/** A scope setting set to this word holds no key on purpose (every required secret must be set to deploy). */
export const NO_KEYS = "none";
/** Shortest secret accepted in a scope setting (`openssl rand -hex 32` gives 64). */
export const MIN_SECRET_LENGTH = 16;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Printable ASCII but space and comma (the separator): what fits in an HTTP header as is.
const SECRET = /^[!-+\--~]+$/;

/** One configured key as parsed, before hashing. */
interface ParsedKey {
  scope: Scope;
  /** The name from `name:secret`; undefined for the admin key. */
  name: string | undefined;
  secret: string;
}

/** What the settings hold: keys by scope, and what is wrong with each malformed setting. */
export interface ParsedSettings {
  keys: ParsedKey[];
  /** Keys per scope (a malformed setting counts 0). */
  counts: Record<Scope, number>;
  /** Malformed settings, each with a reason that never quotes the value. */
  problems: Partial<Record<KeySetting, string>>;
}

function parseScopeSetting(scope: Exclude<Scope, "admin">, value: string): ParsedKey[] | string {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === NO_KEYS) return [];
  const keys: ParsedKey[] = [];
  for (const [i, raw] of trimmed.split(",").entries()) {
    const entry = raw.trim();
    const colon = entry.indexOf(":");
    if (colon < 0) return `entry ${i + 1} is not name:secret`;
    const name = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (!NAME.test(name)) return `entry ${i + 1}: the name must be 1-64 characters of A-Z a-z 0-9 _ . -`;
    if (!SECRET.test(secret)) {
      return `entry ${i + 1} (${name}): the secret must be printable ASCII without spaces or commas`;
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      return `entry ${i + 1} (${name}): the secret is shorter than ${MIN_SECRET_LENGTH} characters`;
    }
    keys.push({ scope, name, secret });
  }
  return keys;
}

/** Parses the three settings; a malformed setting contributes no key and is named in `problems`. */
export function parseKeySettings(settings: KeySettings): ParsedSettings {
  const result: ParsedSettings = { keys: [], counts: { ingest: 0, read: 0, admin: 0 }, problems: {} };
  const seen = new Set<string>();
  // The admin key first, so a scoped key that repeats it is the one reported.
  for (const scope of ["admin", "ingest", "read"] as const) {
    const setting = SCOPE_SETTING[scope];
    const value = settings[setting];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") {
      result.problems[setting] = "it is not a string";
      continue;
    }
    const parsed =
      scope === "admin" ? [{ scope, name: undefined, secret: value }] : parseScopeSetting(scope, value);
    if (typeof parsed === "string") {
      result.problems[setting] = parsed;
      continue;
    }
    // One secret, one scope: a secret listed twice would make a key's scope (and name) ambiguous.
    const secrets = parsed.map((key) => key.secret);
    const duplicate = secrets.findIndex((secret, i) => seen.has(secret) || secrets.indexOf(secret) !== i);
    if (duplicate >= 0) {
      result.problems[setting] =
        `entry ${duplicate + 1}: this secret is also used by another key; give each key its own`;
      continue;
    }
    for (const secret of secrets) seen.add(secret);
    result.keys.push(...parsed);
    result.counts[scope] = parsed.length;
  }
  return result;
}

/** A configured key, found by the SHA-256 digest of its secret. */
export interface KeyEntry {
  scope: Scope;
  name: string | undefined;
  digest: ArrayBuffer;
}

/** The configured keys, indexed by the SHA-256 of their secrets. */
export interface KeyStore extends Omit<ParsedSettings, "keys"> {
  byDigest: ReadonlyMap<string, KeyEntry>;
}

const encoder = new TextEncoder();

function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

/** The digest as a map key: one character per byte. */
function digestKey(digest: ArrayBuffer): string {
  return String.fromCharCode(...new Uint8Array(digest));
}

async function buildKeyStore(settings: KeySettings): Promise<KeyStore> {
  const { keys, counts, problems } = parseKeySettings(settings);
  const byDigest = new Map<string, KeyEntry>();
  await Promise.all(
    keys.map(async ({ scope, name, secret }) => {
      const digest = await sha256(secret);
      byDigest.set(digestKey(digest), { scope, name, digest });
    }),
  );
  return { byDigest, counts, problems };
}

// The store for the last settings seen. An isolate serves one deployment, so
// this is built once; tests that change the settings rebuild it.
let cached: { source: string; store: Promise<KeyStore> } | undefined;

/** The key store for these settings, built (and the secrets hashed) once per isolate. */
export function keyStoreFor(settings: KeySettings): Promise<KeyStore> {
  const source = JSON.stringify(SCOPES.map((scope) => settings[SCOPE_SETTING[scope]] ?? null));
  if (cached?.source !== source) cached = { source, store: buildKeyStore(settings) };
  return cached.store;
}

/**
 * The configured key whose secret is `presented`, or undefined. One SHA-256 of
 * the presented key, one map lookup by digest, then a constant-time comparison
 * of the two digests (the lookup already matched; this keeps the final check
 * independent of where the bytes differ).
 */
export async function findKey(store: KeyStore, presented: string): Promise<KeyEntry | undefined> {
  const digest = await sha256(presented);
  const entry = store.byDigest.get(digestKey(digest));
  if (!entry) return undefined;
  return crypto.subtle.timingSafeEqual(digest, entry.digest) ? entry : undefined;
}
