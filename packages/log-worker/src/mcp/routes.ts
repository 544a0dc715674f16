/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless. Each request gets a fresh
 * server and transport (no session, no Durable Object), and the answer is one
 * JSON response rather than an SSE stream, since no tool streams or notifies.
 * The read scope is required by app.ts; the guard checks Host and Origin.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { methodNotAllowed } from "../http/errors";
import { mcpRequestGuard } from "./guard";
import { createMcpServer } from "./server";

/** Tool arguments are small; refuse anything larger before parsing it. */
const MAX_REQUEST_BYTES = 64 * 1024;

export const mcpRoutes = new Hono<AppEnv>();

mcpRoutes.use("/mcp", mcpRequestGuard());

mcpRoutes.post("/mcp", async (c) => {
  const server = createMcpServer(c.env);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MAX_REQUEST_BYTES,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(c.req.raw);
  } finally {
    await server.close();
  }
});

// Stateless: no server-initiated stream (GET) and no session to end (DELETE).
mcpRoutes.all("/mcp", methodNotAllowed(["POST"]));
