/** The MCP server: its identity and tools, built per request (the transport is stateless). */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolEnv } from "./tools/result";
import { registerSearchTools } from "./tools/search";
import { registerStatusTools } from "./tools/status";

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
