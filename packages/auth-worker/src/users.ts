/**
 * Users in Workers KV (`auth_users`), one value per normalised email under
 * `user:<email>`.
 *
 * KV has no compare-and-swap: two registrations of the same new email within
 * KV's propagation window can both succeed, the last write winning. Good enough
 * for this example; a Durable Object per email would make it exact.
 */
import type { PasswordHash } from "./password";
import { type UserRecord, userRecordSchema } from "./schemas";

export type { UserRecord };

/** What a user looks like outside this worker: never the password hash. */
export interface PublicUser {
  id: string;
  email: string;
  createdAt: string;
}

/** One spelling per mailbox: trimmed, lowercased, Unicode NFC. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize("NFC").toLowerCase();
}

export function userKey(email: string): string {
  return `user:${normaliseEmail(email)}`;
}

/** The user stored under `email`, or null (also for a value this version cannot read). */
export async function findUser(kv: KVNamespace, email: string): Promise<UserRecord | null> {
  const value = await kv.get(userKey(email), "json");
  if (value === null) return null;
  const parsed = userRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export async function putUser(kv: KVNamespace, user: UserRecord): Promise<void> {
  await kv.put(userKey(user.email), JSON.stringify(user));
}

export function newUser(email: string, password: PasswordHash, now: Date = new Date()): UserRecord {
  return { id: crypto.randomUUID(), email: normaliseEmail(email), createdAt: now.toISOString(), password };
}

export function toPublicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, createdAt: user.createdAt };
}
