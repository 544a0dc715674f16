/** The MCP server: its identity and tools, and one stateless request through the SDK's web-standard transport. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { ToolEnv } from "./tools/result";
import { registerSearchTools } from "./tools/search";
import { registerStatusTools } from "./tools/status";

/** Tool arguments are small; the transport refuses anything larger before parsing it. */
const MAX_REQUEST_BYTES = 64 * 1024;

export function createMcpServer(env: ToolEnv): McpServer {
  const server = new McpServer(
    { name: "log-service", version: "1.0.0" },
    {
      instructions:
        "Logs of Cloudflare Workers, waiting in KV and archived in R2. Start with list_services or search_logs " +
        "(filters: level, service, requestId, q, since/until); get_request follows one request across services; " +
        "archive_status tells whether the archive is healthy. Answers are bounded: follow `cursor` for more.",
    },
  );
  registerSearchTools(server, env);
  registerStatusTools(server, env);
  return server;
}

/**
 * Answers one MCP POST. Stateless: a fresh server and transport per request (no
 * session, no Durable Object), and one JSON response rather than an SSE stream,
 * since no tool streams or notifies.
 */
export async function handleMcpRequest(request: Request, env: ToolEnv): Promise<Response> {
  const server = createMcpServer(env);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MAX_REQUEST_BYTES,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}
