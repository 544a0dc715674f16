/**
 * DNS-rebinding and cross-origin protection for `/mcp`, as the MCP SDK
 * recommends for servers a browser can reach (its `hostHeaderValidation`):
 *
 * - A request served locally (`wrangler dev`: no `CF-Connecting-IP`, or a
 *   loopback one) must name a loopback host. A web page that rebinds its own
 *   name to 127.0.0.1 reaches the local server under that name, and the dev
 *   keys in `.dev.vars.example` are public. In production Cloudflare routes
 *   by host, so only the worker's own hostnames arrive.
 * - A request carrying `Origin` (a browser) must come from the worker's own
 *   origin. MCP clients outside a browser send no `Origin`.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";

const LOOPBACK_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

function isLoopbackIp(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip === "::ffff:127.0.0.1";
}

/** The hostname of a `Host` header value (port dropped, IPv6 kept in brackets), or null. */
function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

export function mcpRequestGuard(): MiddlewareHandler<AppEnv> {
  return async function mcpRequestGuard(c, next) {
    const url = new URL(c.req.url);
    const host = c.req.header("Host") ?? url.host;
    const client = c.req.header("CF-Connecting-IP");
    const local = client === undefined || isLoopbackIp(client);
    const hostname = hostnameOf(host);
    if (local && (hostname === null || !LOOPBACK_HOSTNAMES.has(hostname))) {
      throw new ApiError(
        403,
        "forbidden_host",
        "A local /mcp answers only under localhost, 127.0.0.1 or [::1] (DNS rebinding protection); connect to http://localhost:<port>/mcp.",
      );
    }
    const origin = c.req.header("Origin");
    if (origin !== undefined && origin !== `${url.protocol}//${host}`) {
      throw new ApiError(
        403,
        "forbidden_origin",
        "/mcp does not answer pages of other origins; connect from an MCP client, not a web page.",
      );
    }
    await next();
  };
}
