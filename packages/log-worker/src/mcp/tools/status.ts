/** `archive_status` and `list_services`: the archive's state and who has been logging. */
import { LOG_LEVELS, type LogLevel } from "@log-service/client/schema";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { parseQuery } from "../../http/query";
import { debugRoutes } from "../../routes";
import { searchLogs, searchQuerySchema } from "../../search";
import { asBatchMetadata, LOG_KEY_PREFIX, parseLogKey } from "../../store/batches";
import { type ToolEnv, toolResult } from "./result";

/** KV list pages (1,000 keys each) `archive_status` walks to count what is waiting. */
const WAITING_LIST_PAGES = 5;
/** Search pages of 1,000 entries `list_services` reads in one answer. */
const SERVICE_PAGES = 5;

interface Waiting {
  batches: number;
  entries: number;
  oldestReceivedAt: string | null;
  /** False when there were more batches than one answer lists (the counts are then a lower bound). */
  complete: boolean;
}

/** Batches and entries waiting in KV, from list metadata alone (no value is read). */
async function countWaiting(kv: KVNamespace): Promise<Waiting> {
  const waiting: Waiting = { batches: 0, entries: 0, oldestReceivedAt: null, complete: false };
  let cursor: string | undefined;
  for (let page = 0; page < WAITING_LIST_PAGES; page++) {
    const list = await kv.list({ prefix: LOG_KEY_PREFIX, cursor });
    for (const key of list.keys) {
      const parsed = parseLogKey(key.name);
      if (!parsed) continue;
      waiting.batches++;
      waiting.entries += asBatchMetadata(key.metadata)?.n ?? 0;
      // Keys sort by receive time, so the first one is the oldest.
      waiting.oldestReceivedAt ??= new Date(parsed.receivedAtMs).toISOString();
    }
    if (list.list_complete) {
      waiting.complete = true;
      break;
    }
    cursor = list.cursor;
  }
  return waiting;
}

type LevelCounts = Record<LogLevel, number>;

interface ServiceCount {
  service: string | null;
  total: number;
  levels: LevelCounts;
  lastSeen: string;
}

export function registerStatusTools(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    "archive_status",
    {
      title: "Archive status",
      description:
        "The state of the archive: its last run (when, what it archived, errors), whether a drain is due, who holds the " +
        "archive lease, alerts when configured (everything GET /debug/stats shows), and what is waiting in KV to be archived.",
      outputSchema: {
        stats: z.record(z.string(), z.unknown()).describe("What GET /debug/stats answers."),
        waiting: z
          .object({
            batches: z.number(),
            entries: z.number(),
            oldestReceivedAt: z.string().nullable(),
            complete: z.boolean(),
          })
          .describe("Batches and entries waiting in KV; complete: false means at least these many."),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      toolResult(async () => {
        // The route's own answer, so whatever /debug/stats reports (alerts included) shows here too.
        const [statsResponse, waiting] = await Promise.all([
          debugRoutes.request("/debug/stats", {}, env),
          countWaiting(env.log_state),
        ]);
        const stats = (await statsResponse.json()) as Record<string, unknown>;
        const lastRun = stats.lastRun as { finishedAt?: string; ok?: boolean } | null | undefined;
        const text =
          `${waiting.complete ? "" : "At least "}${waiting.entries} entries in ${waiting.batches} batches waiting in KV` +
          `${waiting.oldestReceivedAt ? ` (oldest received ${waiting.oldestReceivedAt})` : ""}. ` +
          (lastRun
            ? `Last run finished ${lastRun.finishedAt}, ${lastRun.ok ? "ok" : "failed"}.`
            : "No archive run yet.");
        return { text, structured: { stats, waiting } };
      }),
  );

  server.registerTool(
    "list_services",
    {
      title: "List services",
      description:
        "The services that logged in a time range (default: the last 24 hours), with entry counts by level and when each " +
        "was last seen, busiest first. Entries without a service count under null. When `cursor` is not null the counts " +
        "cover part of the range: call again with it and add the counts up.",
      inputSchema: {
        since: z
          .string()
          .min(1)
          .optional()
          .describe("Start of the range (ISO-8601 or epoch ms); default 24 h before until."),
        until: z.string().min(1).optional().describe("End of the range (ISO-8601 or epoch ms); default now."),
        cursor: z
          .string()
          .min(1)
          .optional()
          .describe("The `cursor` of a previous answer, to count the rest of the range."),
      },
      outputSchema: {
        services: z.array(
          z.object({
            service: z.string().nullable(),
            total: z.number(),
            levels: z.record(z.string(), z.number()),
            lastSeen: z.string(),
          }),
        ),
        entries: z.number().describe("Entries counted in this answer."),
        cursor: z
          .string()
          .nullable()
          .describe("Pass as `cursor` to count the rest; null when the range is done."),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      toolResult(async () => {
        const query: Record<string, string> = { limit: "1000" };
        for (const name of ["since", "until", "cursor"] as const) if (args[name]) query[name] = args[name];
        let next = parseQuery(searchQuerySchema, query);
        const byService = new Map<string | null, ServiceCount>();
        let entries = 0;
        let cursor: string | null = null;
        for (let page = 0; page < SERVICE_PAGES; page++) {
          const found = await searchLogs(env, next);
          for (const entry of found.logs) {
            const service = typeof entry.service === "string" ? entry.service : null;
            let count = byService.get(service);
            if (!count) {
              const levels = Object.fromEntries(LOG_LEVELS.map((l) => [l, 0])) as LevelCounts;
              count = { service, total: 0, levels, lastSeen: entry.timestamp };
              byService.set(service, count);
            }
            count.total++;
            count.levels[entry.level]++;
            if (entry.timestamp > count.lastSeen) count.lastSeen = entry.timestamp;
          }
          entries += found.logs.length;
          cursor = found.cursor;
          if (cursor === null) break;
          next = { ...next, cursor };
        }
        const services = [...byService.values()].sort((a, b) => b.total - a.total);
        const text =
          `${services.length} services, ${entries} entries counted.` +
          (cursor === null
            ? ""
            : ` The range is not fully counted: call again with cursor "${cursor}" and add up.`);
        return { text, structured: { services, entries, cursor } };
      }),
  );
}
