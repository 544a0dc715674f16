/**
 * MCP: `/mcp` lets AI agents search the logs (search_logs, get_request,
 * list_services) and check the archive (archive_status) with a read key.
 * routes.ts serves the transport, server.ts lists the tools (tools/), collect.ts
 * bounds every answer, guard.ts checks Host and Origin.
 */
export { mcpRoutes } from "./routes";
