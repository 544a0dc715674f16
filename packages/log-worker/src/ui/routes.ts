/**
 * The log viewer: a static page and its assets, public (no API key), served
 * from strings in the bundle so it needs no build step, CDN or assets binding.
 * The page holds no secret: it asks for the key and sends it to `/debug/*`.
 *
 * Headers are set per route, not with `viewer.use("*")`: mounted at "/", a
 * sub-app's wildcard middleware would run for every route of the parent app.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { APP_CSS } from "./app-css";
import { APP_JS } from "./app-js";
import { FAVICON_SVG } from "./favicon-svg";
import { INDEX_HTML } from "./index-html";

/** No inline script or style, nothing from elsewhere, no framing, no form posts. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  // Legacy twin of frame-ancestors, and isolation from other windows.
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** FNV-1a over UTF-16 code units: a cheap, stable validator for an ETag. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * A handler serving one fixed asset. `no-cache` plus an ETag: browsers
 * revalidate (cheap 304) so a deploy is picked up at once without versioned URLs.
 */
function asset(body: string, contentType: string) {
  const etag = `"${fnv1a(body)}-${body.length.toString(36)}"`;
  return function serveAsset(c: Context<AppEnv>): Response {
    const headers = { ...SECURITY_HEADERS, "Cache-Control": "no-cache", ETag: etag };
    const ifNoneMatch = c.req.header("If-None-Match");
    if (ifNoneMatch?.split(",").some((tag) => tag.trim() === etag)) {
      return c.body(null, 304, headers);
    }
    return c.body(body, 200, { ...headers, "Content-Type": contentType });
  };
}

/** Mount with `app.route("/", viewer)`. */
export const viewer = new Hono<AppEnv>();

viewer.get("/", asset(INDEX_HTML, "text/html; charset=utf-8"));
viewer.get("/ui/app.js", asset(APP_JS, "text/javascript; charset=utf-8"));
viewer.get("/ui/app.css", asset(APP_CSS, "text/css; charset=utf-8"));
viewer.get("/favicon.svg", asset(FAVICON_SVG, "image/svg+xml"));
