/**
 * The log viewer's routes, through the worker's real fetch handler: public,
 * static, with the right content types and strict security headers, and
 * mounting them opened nothing else.
 */

import { exports } from "cloudflare:workers";
import { LOG_LEVELS } from "@log-service/client/schema";
import { describe, expect, it } from "vitest";
import { APP_JS } from "../src/ui/app-js";
import { CONTENT_SECURITY_POLICY } from "../src/ui/routes";

const BASE = "https://log-worker.example";
const get = (path: string, init?: RequestInit) => exports.default.fetch(new Request(BASE + path, init));

const ASSETS = [
  ["/", "text/html; charset=utf-8"],
  ["/ui/app.js", "text/javascript; charset=utf-8"],
  ["/ui/app.css", "text/css; charset=utf-8"],
  ["/favicon.svg", "image/svg+xml"],
] as const;

describe("viewer routes (fetch, integration)", () => {
  it.each(ASSETS)("serves %s as %s without a key, with the security headers", async (path, type) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(type);
    expect(res.headers.get("Content-Security-Policy")).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    expect((await res.text()).length).toBeGreaterThan(100);
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    const first = await get("/ui/app.js");
    await first.arrayBuffer();
    const etag = first.headers.get("ETag");
    expect(etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    const again = await get("/ui/app.js", { headers: { "If-None-Match": `"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("Content-Security-Policy")).toBe(CONTENT_SECURITY_POLICY);
  });

  it("answers HEAD / like GET, without a body", async () => {
    const res = await get("/", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe("");
  });

  it("the page loads its script and style from the worker only, with nothing inline", async () => {
    const html = await (await get("/")).text();
    expect(html).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/ui/app.css">');
    // The CSP would block these anyway; the page must not depend on them.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("the script never turns strings into HTML and knows every level", () => {
    expect(APP_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(APP_JS).toContain(`const LEVELS = ${JSON.stringify(LOG_LEVELS)};`);
  });

  it("mounting the viewer opened nothing: /debug/* still needs the key, unknown paths are JSON 404s", async () => {
    const debug = await get("/debug/kv-logs");
    expect(debug.status).toBe(401);
    // API answers carry the app's own CSP (hono/secure-headers), not the viewer's.
    expect(debug.headers.get("Content-Security-Policy")).not.toBe(CONTENT_SECURITY_POLICY);
    const unknown = await get("/ui/missing.js");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
