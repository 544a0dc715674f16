/** `search_logs` and `get_request`: the search of `GET /debug/logs`, as MCP tools. */
import { LOG_LEVELS } from "@log-service/client/schema";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { parseQuery } from "../../http/query";
import { searchQuerySchema } from "../../search";
import { ANSWER_BOUNDS, type Collected, collectLogs } from "../collect";
import { type ToolEnv, toolResult } from "./result";

const instant = (what: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(
      `${what}: ISO-8601 with a time zone (2026-11-30T17:00:00Z) or epoch milliseconds ("1764522000000").`,
    );

const cursor = z
  .string()
  .min(1)
  .optional()
  .describe(
    "The `cursor` of a previous answer, to get the entries after it (keep the other arguments the same).",
  );

const searchInput = {
  q: z.string().min(1).max(1000).optional().describe("Case-insensitive substring of the entry's message."),
  level: z.enum(LOG_LEVELS).optional().describe("Minimum level: `warn` returns warn, error and fatal."),
  service: z.string().min(1).optional().describe("Exact service name (see list_services)."),
  requestId: z.string().min(1).optional().describe("Exact request id (the X-Request-Id of the request)."),
  since: instant("Start of the range, inclusive; default: 24 hours before `until`"),
  until: instant("End of the range, inclusive; default: now"),
  order: z
    .enum(["desc", "asc"])
    .default("desc")
    .describe("`desc`: newest first (default); `asc`: oldest first."),
  limit: z
    .number()
    .int()
    .min(1)
    .max(ANSWER_BOUNDS.maxEntries)
    .default(50)
    .describe(`Most entries to return (1-${ANSWER_BOUNDS.maxEntries}, default 50).`),
  cursor,
};

const entriesOutput = {
  logs: z.array(z.record(z.string(), z.unknown())).describe("Matching entries, in the requested order."),
  cursor: z
    .string()
    .nullable()
    .describe("Pass as `cursor` for more; null when every match has been returned."),
  stoppedBy: z
    .enum(["entries", "bytes", "pages"])
    .nullable()
    .describe(
      "What ended this answer before the range was exhausted (the limit, the size cap, the scan budget).",
    ),
};

/** The query-string form `GET /debug/logs` takes, so the tool and the route share one parser. */
function asQueryString(args: Record<string, string | number | undefined>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(args)) if (value !== undefined) query[name] = String(value);
  return query;
}

/** Exactly the fields of `entriesOutput` (clients check structured content against the output schema). */
function entriesAnswer({ logs, cursor, stoppedBy }: Collected) {
  return { logs, cursor, stoppedBy };
}

function summary(found: Collected, what: string): string {
  const more =
    found.cursor === null
      ? "That is every match in the range."
      : `There may be more: call again with cursor "${found.cursor}".`;
  return `${found.logs.length} ${what}. ${more}`;
}

export function registerSearchTools(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    "search_logs",
    {
      title: "Search logs",
      description:
        "Search log entries wherever they are (waiting in KV or archived in R2), deduplicated and sorted by timestamp. " +
        "Filters combine with AND. Without since/until it searches the last 24 hours. " +
        "Each answer is bounded; when `cursor` is not null, call again with it to continue.",
      inputSchema: searchInput,
      outputSchema: entriesOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      toolResult(async () => {
        const query = parseQuery(searchQuerySchema, asQueryString(args));
        const found = await collectLogs(env, query);
        return { text: summary(found, "entries"), structured: entriesAnswer(found) };
      }),
  );

  server.registerTool(
    "get_request",
    {
      title: "Get one request's entries",
      description:
        "Every entry logged with one request id, across services, whether waiting in KV or archived in R2, oldest first. " +
        "Searches all time unless since/until narrow it (a narrower range is faster). " +
        "When `cursor` is not null, call again with it to continue.",
      inputSchema: {
        requestId: z.string().min(1).describe("The request id (X-Request-Id) to follow."),
        since: instant("Start of the range; default: all time"),
        until: instant("End of the range; default: now"),
        cursor,
      },
      outputSchema: entriesOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      toolResult(async () => {
        const query = parseQuery(
          searchQuerySchema,
          asQueryString({ ...args, since: args.since ?? "0", order: "asc", limit: ANSWER_BOUNDS.maxEntries }),
        );
        const found = await collectLogs(env, query);
        return {
          text: summary(found, `entries of request ${args.requestId}`),
          structured: entriesAnswer(found),
        };
      }),
  );
}
