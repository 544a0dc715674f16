/**
 * What the worker itself answers, now that the viewer is a static asset:
 * secure headers on its JSON (hono/secure-headers), and no page of its own.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const get = (path: string, init?: RequestInit) =>
  exports.default.fetch(`https://log-worker.test${path}`, init);

// The first request of a file starts the worker, which takes seconds on a busy machine.
describe("worker responses (fetch, integration)", { timeout: 30_000 }, () => {
  it.each(["/health", "/debug/kv-logs", "/no-such-route"])("%s carries the secure headers", async (path) => {
    const res = await get(path);
    await res.arrayBuffer();
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(res.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });

  it("serves no viewer page itself: / and the old /ui/* paths are JSON 404s (Static Assets serves the viewer)", async () => {
    for (const path of ["/", "/ui/app.js"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
  });
});
