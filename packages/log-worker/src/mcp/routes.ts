/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (server.ts). The read scope
 * is required by app.ts; the guard checks Host and Origin.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { methodNotAllowed } from "../http/errors";
import type { OpenApiOperation } from "../openapi/operation";
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

export const openapi: OpenApiOperation[] = [
  {
    method: "post",
    path: "/mcp",
    summary: "MCP (Streamable HTTP, stateless): search_logs, get_request, archive_status, list_services",
    description:
      "JSON-RPC 2.0 messages as the Model Context Protocol defines them; send the key as `Authorization: Bearer <read or admin key>`. See docs/mcp.md.",
    auth: "read",
    requestBody: { description: "A JSON-RPC request or batch", schema: z.unknown() },
    responses: {
      200: { description: "The JSON-RPC answer" },
      403: "forbidden: an ingest-only key, or a Host/Origin that is not allowed",
    },
  },
];
