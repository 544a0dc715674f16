/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto, 100,000 iterations (the
 * most workerd allows), a random 16-byte salt per user, constant-time compare.
 */
import { fromBase64, toBase64 } from "./encoding";

export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const encoder = new TextEncoder();

/** How a password is kept in KV: the parameters travel with the hash, so they can change later. */
export interface PasswordHash {
  alg: "PBKDF2-SHA256";
  iterations: number;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return { alg: "PBKDF2-SHA256", iterations: PBKDF2_ITERATIONS, salt: toBase64(salt), hash: toBase64(hash) };
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = fromBase64(stored.hash);
  const actual = await derive(password, fromBase64(stored.salt), stored.iterations);
  // timingSafeEqual throws on different lengths; the length of a hash is no secret.
  if (actual.byteLength !== expected.byteLength) return false;
  return crypto.subtle.timingSafeEqual(actual, expected);
}

/**
 * A hash no password matches (a random salt per isolate, an all-zero hash).
 * Checking a password against it costs the same as a real check, so a login
 * for an unknown email takes as long as one with a wrong password.
 * Made on first use: workerd allows no random values in global scope.
 */
let decoy: PasswordHash | undefined;

/** Does a full password check against the decoy hash; always false. */
export async function verifyDecoy(password: string): Promise<false> {
  decoy ??= {
    alg: "PBKDF2-SHA256",
    iterations: PBKDF2_ITERATIONS,
    salt: toBase64(crypto.getRandomValues(new Uint8Array(SALT_BYTES))),
    hash: toBase64(new Uint8Array(HASH_BITS / 8)),
  };
  await verifyPassword(password, decoy);
  return false;
}
