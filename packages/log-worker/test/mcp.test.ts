/** `/mcp` through the worker's fetch handler: auth, Host/Origin, and each tool over JSON-RPC. */
import { env, exports } from "cloudflare:workers";
import type { StoredLogEntry } from "@log-service/client/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { API_KEY, INGEST_KEY, json, postLog, READ_KEY, resetStorage } from "./helpers";

beforeEach(resetStorage);

const URL_ = "http://localhost:8787/mcp";

interface RpcOptions {
  key?: string | null;
  headers?: Record<string, string>;
  url?: string;
}

function rpcRequest(method: string, params: unknown = {}, options: RpcOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    ...options.headers,
  };
  const key = options.key === undefined ? READ_KEY : options.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  return exports.default.fetch(options.url ?? URL_, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
}

interface ToolAnswer<T> {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent: T;
}

/** Each tool's output schema, as tools/list gives it to clients. */
async function outputSchemas(): Promise<
  Map<string, { properties: Record<string, unknown>; required?: string[] }>
> {
  const body = await json<{ result: { tools: { name: string; outputSchema: never }[] } }>(
    await rpcRequest("tools/list"),
  );
  return new Map(body.result.tools.map((t) => [t.name, t.outputSchema]));
}

/**
 * Calls a tool; a successful answer's structured content must have exactly the
 * fields of the tool's output schema (the official client refuses any other).
 */
async function callTool<T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}) {
  const res = await rpcRequest("tools/call", { name, arguments: args });
  expect(res.status).toBe(200);
  const body = await json<{ result?: ToolAnswer<T>; error?: { message: string } }>(res);
  if (!body.result) throw new Error(`JSON-RPC error: ${body.error?.message}`);
  if (!body.result.isError) {
    const schema = (await outputSchemas()).get(name);
    expect(Object.keys(body.result.structuredContent as object).sort()).toEqual(
      Object.keys(schema?.properties ?? {}).sort(),
    );
  }
  return body.result;
}

type Entries = { logs: StoredLogEntry[]; cursor: string | null; stoppedBy: string | null };

const flush = () =>
  exports.default.fetch("https://log-worker.test/flush", {
    method: "POST",
    headers: { "X-API-Key": API_KEY },
  });

const INITIALIZE = {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "workerd-test", version: "0" },
};

describe("auth and transport", () => {
  it("initialize answers with the server's name and tools capability for a read or admin key", async () => {
    for (const key of [READ_KEY, API_KEY]) {
      const res = await rpcRequest("initialize", INITIALIZE, { key });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain("application/json");
      const body = await json<{ result: { serverInfo: { name: string }; capabilities: { tools?: object } } }>(
        res,
      );
      expect(body.result.serverInfo.name).toBe("log-service");
      expect(body.result.capabilities.tools).toBeDefined();
    }
    // The first request of the file loads the SDK.
  }, 30_000);

  it("no key → 401, unknown key → 401, ingest-only key → 403", async () => {
    const none = await rpcRequest("initialize", INITIALIZE, { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect((await rpcRequest("initialize", INITIALIZE, { key: "not-a-key-000000000" })).status).toBe(401);
    const ingest = await rpcRequest("initialize", INITIALIZE, { key: INGEST_KEY });
    expect(ingest.status).toBe(403);
    expect(await json(ingest)).toMatchObject({ error: { code: "forbidden" } });
  });

  it("GET and DELETE answer 405 (stateless: no stream, no session)", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await exports.default.fetch(URL_, {
        method,
        headers: { Authorization: `Bearer ${READ_KEY}` },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("POST");
    }
  });

  it("locally, a host that is not loopback is refused (DNS rebinding); in production any routed host is fine", async () => {
    const rebound = await rpcRequest("initialize", INITIALIZE, { url: "http://evil.example:8787/mcp" });
    expect(rebound.status).toBe(403);
    expect(await json(rebound)).toMatchObject({ error: { code: "forbidden_host" } });
    const reboundWithIp = await rpcRequest("initialize", INITIALIZE, {
      url: "http://evil.example:8787/mcp",
      headers: { "CF-Connecting-IP": "127.0.0.1" },
    });
    expect(reboundWithIp.status).toBe(403);
    for (const url of ["http://127.0.0.1:8787/mcp", "http://[::1]:8787/mcp"]) {
      expect((await rpcRequest("initialize", INITIALIZE, { url })).status).toBe(200);
    }
    const deployed = await rpcRequest("initialize", INITIALIZE, {
      url: "https://logs.example.com/mcp",
      headers: { "CF-Connecting-IP": "203.0.113.7" },
    });
    expect(deployed.status).toBe(200);
  });

  it("a browser request from another origin is refused; from the worker's own origin it is served", async () => {
    const foreign = await rpcRequest("initialize", INITIALIZE, {
      headers: { Origin: "http://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(await json(foreign)).toMatchObject({ error: { code: "forbidden_origin" } });
    const same = await rpcRequest("initialize", INITIALIZE, { headers: { Origin: "http://localhost:8787" } });
    expect(same.status).toBe(200);
  });

  it("tools/list names the four tools, each with a description and an input schema", async () => {
    const res = await rpcRequest("tools/list");
    const body = await json<{
      result: { tools: { name: string; description: string; inputSchema: object }[] };
    }>(res);
    const tools = body.result.tools;
    expect(tools.map((t) => t.name).sort()).toEqual([
      "archive_status",
      "get_request",
      "list_services",
      "search_logs",
    ]);
    for (const tool of tools) {
      expect(tool.description.length).toBeGreaterThan(40);
      expect(tool.inputSchema).toMatchObject({ type: "object" });
    }
    const search = tools.find((t) => t.name === "search_logs");
    expect(search).toBeDefined();
    const properties =
      (search?.inputSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    expect(Object.keys(properties).sort()).toEqual(
      ["cursor", "level", "limit", "order", "q", "requestId", "service", "since", "until"].sort(),
    );
  });
});

describe("tools", () => {
  it("get_request finds a request's entries in R2 and KV, oldest first", async () => {
    const t = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    await postLog([
      { message: "start", requestId: "req-1", service: "api", timestamp: t(0) },
      { message: "other request", requestId: "req-2", service: "api", timestamp: t(1) },
    ]);
    expect((await flush()).status).toBe(200);
    await postLog([
      { level: "error", message: "failed", requestId: "req-1", service: "db", timestamp: t(2) },
      { message: "done", requestId: "req-1", service: "api", timestamp: t(3) },
    ]);
    const answer = await callTool<Entries>("get_request", { requestId: "req-1" });
    expect(answer.isError).toBeFalsy();
    expect(answer.structuredContent.logs.map((e) => e.message)).toEqual(["start", "failed", "done"]);
    expect(answer.structuredContent.cursor).toBeNull();
    // The same, as text: a summary line and the JSON.
    expect(answer.content[0]?.text).toMatch(/^3 entries of request req-1\. That is every match/);
    expect(JSON.parse(answer.content[1]?.text ?? "")).toEqual(answer.structuredContent);
  });

  it("search_logs filters like GET /debug/logs and pages with the cursor, nothing repeated or skipped", async () => {
    await postLog(
      Array.from({ length: 5 }, (_, i) => ({
        level: i % 2 ? "warn" : "info",
        message: `m${i}`,
        service: "svc",
      })),
    );
    await flush();
    await postLog(
      Array.from({ length: 4 }, (_, i) => ({ level: "error", message: `n${i}`, service: "svc" })),
    );
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const answer = await callTool<Entries>("search_logs", {
        level: "warn",
        limit: 2,
        order: "asc",
        cursor,
      });
      expect(answer.structuredContent.logs.length).toBeLessThanOrEqual(2);
      seen.push(...answer.structuredContent.logs.map((e) => e.message));
      cursor = answer.structuredContent.cursor;
    } while (cursor);
    expect(seen).toEqual(["m1", "m3", "n0", "n1", "n2", "n3"]);
  });

  it("caps an answer by bytes and continues exactly after the last entry returned", async () => {
    // Five entries of ~60 KB: 300 KB passes the 256 KiB cap of one answer.
    const big = "x".repeat(60_000);
    await postLog(Array.from({ length: 5 }, (_, i) => ({ message: `big${i}`, blob: big })));
    const first = await callTool<Entries>("search_logs", { order: "asc", limit: 10 });
    expect(first.structuredContent.stoppedBy).toBe("bytes");
    expect(first.structuredContent.logs.map((e) => e.message)).toEqual(["big0", "big1", "big2", "big3"]);
    const rest = await callTool<Entries>("search_logs", {
      order: "asc",
      limit: 10,
      cursor: first.structuredContent.cursor,
    });
    expect(rest.structuredContent.logs.map((e) => e.message)).toEqual(["big4"]);
    expect(rest.structuredContent.cursor).toBeNull();
  });

  it("bad arguments come back as tool errors the agent can read", async () => {
    const badDate = await callTool("search_logs", { since: "yesterday" });
    expect(badDate.isError).toBe(true);
    expect(badDate.content[0]?.text).toMatch(/^invalid_query: since/);
    const badCursor = await callTool("search_logs", { cursor: "not-a-cursor" });
    expect(badCursor.isError).toBe(true);
    expect(badCursor.content[0]?.text).toMatch(/^invalid_cursor/);
    // Over the schema's bounds: refused before the tool runs.
    const tooMany = await callTool("search_logs", { limit: 5000 });
    expect(tooMany.isError).toBe(true);
  });

  it("list_services counts entries by service and level", async () => {
    await postLog([
      { level: "error", message: "a", service: "api" },
      { level: "error", message: "b", service: "api" },
      { level: "info", message: "c", service: "api" },
      { level: "warn", message: "d", service: "db" },
      { message: "e" },
    ]);
    await flush();
    await postLog({ level: "fatal", message: "f", service: "db" });
    const answer = await callTool<{
      services: { service: string | null; total: number; levels: Record<string, number> }[];
      entries: number;
      cursor: string | null;
    }>("list_services");
    expect(answer.structuredContent.entries).toBe(6);
    expect(answer.structuredContent.cursor).toBeNull();
    const byName = Object.fromEntries(answer.structuredContent.services.map((s) => [String(s.service), s]));
    expect(byName.api).toMatchObject({ total: 3, levels: { error: 2, info: 1, warn: 0 } });
    expect(byName.db).toMatchObject({ total: 2, levels: { warn: 1, fatal: 1 } });
    expect(byName.null).toMatchObject({ total: 1, levels: { info: 1 } });
    expect(answer.structuredContent.services[0]?.service).toBe("api");
  });

  it("archive_status shows the last run (as /debug/stats does) and what waits in KV", async () => {
    const before = await callTool<{ stats: { lastRun: unknown }; waiting: { entries: number } }>(
      "archive_status",
    );
    expect(before.structuredContent.stats.lastRun).toBeNull();
    await postLog([{ message: "a" }, { message: "b" }]);
    await flush();
    await postLog([{ message: "c" }, { message: "d" }, { message: "e" }]);
    await postLog({ message: "f" });
    const answer = await callTool<{
      stats: { lastRun: { ok: boolean; entries: number } };
      waiting: { batches: number; entries: number; oldestReceivedAt: string | null; complete: boolean };
    }>("archive_status");
    expect(answer.structuredContent.stats.lastRun).toMatchObject({ ok: true, entries: 2 });
    expect(answer.structuredContent.waiting).toMatchObject({ batches: 2, entries: 4, complete: true });
    expect(answer.structuredContent.waiting.oldestReceivedAt).toEqual(expect.any(String));
    const stats = await json(
      await exports.default.fetch("https://log-worker.test/debug/stats", {
        headers: { "X-API-Key": READ_KEY },
      }),
    );
    expect(answer.structuredContent.stats).toEqual(stats);
    expect(answer.content[0]?.text).toMatch(/^4 entries in 2 batches waiting in KV/);
  });

  it("reads nothing it was not asked to: KV and R2 are unchanged by every tool", async () => {
    await postLog({ message: "stays" });
    const before = (await env.log_state.list()).keys.map((k) => k.name);
    for (const name of ["archive_status", "list_services", "search_logs"]) await callTool(name);
    await callTool("get_request", { requestId: "x" });
    expect((await env.log_state.list()).keys.map((k) => k.name)).toEqual(before);
    expect((await env.log_archive.list()).objects).toEqual([]);
  });
});
