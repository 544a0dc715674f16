/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (server.ts). The read scope
 * is required by app.ts; the guard checks Host and Origin.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { methodNotAllowed } from "../http/errors";
import { mcpRequestGuard } from "./guard";

export const mcpRoutes = new Hono<AppEnv>();

mcpRoutes.use("/mcp", mcpRequestGuard());

mcpRoutes.post("/mcp", async (c) => {
  // Loaded on the first /mcp request of an isolate: the SDK (about 670 KiB of the
  // bundle) is then not evaluated on the cold starts that only ingest.
  const { handleMcpRequest } = await import("./server");
  return handleMcpRequest(c.req.raw, c.env);
});

// Stateless: no server-initiated stream (GET) and no session to end (DELETE).
mcpRoutes.all("/mcp", methodNotAllowed(["POST"]));
