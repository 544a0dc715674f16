/** The key store: the settings' format, and lookup by digest (the code path, not its timing). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { findKey, keyStoreFor, parseKeySettings } from "../src/http/keys";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The SHA-256 of `text`, one character per byte (how the store keys its map). */
async function sha256Key(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return String.fromCharCode(...new Uint8Array(digest));
}

describe("parseKeySettings", () => {
  it("reads name:secret pairs, trimming around entries; a secret may hold colons", () => {
    const parsed = parseKeySettings({
      LOG_API_KEY: "admin-secret",
      LOG_INGEST_KEYS: " vector-prod:aaaaaaaaaaaaaaaa , otel.collector_2:bbbb:bbbbbbbbbbbbbb",
      LOG_READ_KEYS: "grafana:cccccccccccccccc",
    });
    expect(parsed.problems).toEqual({});
    expect(parsed.counts).toEqual({ ingest: 2, read: 1, admin: 1 });
    expect(parsed.keys).toEqual([
      { scope: "admin", name: undefined, secret: "admin-secret" },
      { scope: "ingest", name: "vector-prod", secret: "aaaaaaaaaaaaaaaa" },
      { scope: "ingest", name: "otel.collector_2", secret: "bbbb:bbbbbbbbbbbbbb" },
      { scope: "read", name: "grafana", secret: "cccccccccccccccc" },
    ]);
  });

  it("unset, empty and `none` hold no key and are not problems", () => {
    for (const value of [undefined, "", "none", " none "]) {
      const parsed = parseKeySettings({ LOG_INGEST_KEYS: value, LOG_READ_KEYS: value });
      expect(parsed.problems).toEqual({});
      expect(parsed.counts).toEqual({ ingest: 0, read: 0, admin: 0 });
    }
  });

  it.each([
    ["no colon", "aaaaaaaaaaaaaaaaaaaa", /entry 1 is not name:secret/],
    ["empty name", ":aaaaaaaaaaaaaaaa", /entry 1: the name/],
    ["name with a space", "my key:aaaaaaaaaaaaaaaa", /entry 1: the name/],
    ["secret too short", "a:aaaaaaaaaaaaaaaa,b:tiny1", /entry 2 \(b\): the secret is shorter than 16/],
    ["secret with a space", "a:aaaaaaaa aaaaaaaa", /entry 1 \(a\): the secret must be printable ASCII/],
    ["non-ASCII secret", "a:aaaaaaaaaaaaaaaé", /printable ASCII/],
    ["empty entry (trailing comma)", "a:aaaaaaaaaaaaaaaa,", /entry 2 is not name:secret/],
    ["one secret twice", "a:aaaaaaaaaaaaaaaa,b:aaaaaaaaaaaaaaaa", /entry 2: this secret is also used/],
  ])("a malformed setting (%s) holds no key and says why without its value", (_, value, reason) => {
    const parsed = parseKeySettings({ LOG_API_KEY: "admin-secret", LOG_INGEST_KEYS: value });
    expect(parsed.problems.LOG_INGEST_KEYS).toMatch(reason);
    expect(parsed.problems.LOG_INGEST_KEYS).not.toContain("aaaaaaaa");
    expect(parsed.problems.LOG_INGEST_KEYS).not.toContain("tiny1");
    expect(parsed.counts.ingest).toBe(0);
    expect(parsed.keys.filter((k) => k.scope === "ingest")).toEqual([]);
    expect(parsed.counts.admin).toBe(1);
  });

  it("a secret shared between scopes (or with the admin key) makes the later setting malformed", () => {
    const parsed = parseKeySettings({
      LOG_API_KEY: "same-secret-as-admin",
      LOG_INGEST_KEYS: "p:same-secret-as-admin",
      LOG_READ_KEYS: "r:rrrrrrrrrrrrrrrr",
    });
    expect(parsed.problems.LOG_INGEST_KEYS).toMatch(/also used by another key/);
    expect(parsed.counts).toEqual({ ingest: 0, read: 1, admin: 1 });
  });
});

describe("lookup by digest", () => {
  const settings = {
    LOG_API_KEY: "admin-secret-xyz",
    LOG_INGEST_KEYS: Array.from(
      { length: 50 },
      (_, i) => `p${i}:ingest-secret-${String(i).padStart(4, "0")}`,
    ).join(","),
    LOG_READ_KEYS: "reader:read-secret-000001",
  };

  it("indexes the configured keys by the SHA-256 of their secrets, holding no secret", async () => {
    const store = await keyStoreFor(settings);
    expect(store.byDigest.size).toBe(52);
    const entry = store.byDigest.get(await sha256Key("read-secret-000001"));
    expect(entry).toMatchObject({ scope: "read", name: "reader" });
    expect(store.byDigest.get(await sha256Key("admin-secret-xyz"))).toMatchObject({
      scope: "admin",
      name: undefined,
    });
    expect(JSON.stringify([...store.byDigest.keys()])).not.toContain("secret");
  });

  it("finds a key by its secret; a secret differing in its last character, or a digest, is not found", async () => {
    const store = await keyStoreFor(settings);
    expect(await findKey(store, "ingest-secret-0042")).toMatchObject({ scope: "ingest", name: "p42" });
    expect(await findKey(store, "ingest-secret-0043")).toMatchObject({ name: "p43" });
    expect(await findKey(store, "ingest-secret-004X")).toBeUndefined();
    expect(await findKey(store, "read-secret-000002")).toBeUndefined();
    // Presenting the stored digest itself does not open anything.
    expect(await findKey(store, await sha256Key("read-secret-000001"))).toBeUndefined();
  });

  it("hashes the presented key once and compares digests with timingSafeEqual, whatever the number of keys", async () => {
    const store = await keyStoreFor(settings);
    const digest = vi.spyOn(crypto.subtle, "digest");
    const timingSafeEqual = vi.spyOn(crypto.subtle, "timingSafeEqual");
    expect(await findKey(store, "ingest-secret-0049")).toMatchObject({ name: "p49" });
    expect(digest).toHaveBeenCalledTimes(1);
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
    const [a, b] = timingSafeEqual.mock.calls[0] ?? [];
    expect(new Uint8Array(a as ArrayBuffer)).toEqual(new Uint8Array(b as ArrayBuffer));
    expect((a as ArrayBuffer).byteLength).toBe(32);

    digest.mockClear();
    timingSafeEqual.mockClear();
    expect(await findKey(store, "unknown-key-000000")).toBeUndefined();
    expect(digest).toHaveBeenCalledTimes(1);
  });

  it("hashes the configured keys once per setting values, again when they change", async () => {
    const first = keyStoreFor(settings);
    await first;
    const digest = vi.spyOn(crypto.subtle, "digest");
    expect(keyStoreFor({ ...settings })).toBe(first);
    expect(digest).not.toHaveBeenCalled();
    const changed = keyStoreFor({ ...settings, LOG_READ_KEYS: "reader:read-secret-000002" });
    expect(changed).not.toBe(first);
    expect(await findKey(await changed, "read-secret-000002")).toMatchObject({ name: "reader" });
    expect(await findKey(await changed, "read-secret-000001")).toBeUndefined();
    expect(digest.mock.calls.length).toBeGreaterThan(50);
  });
});
