/**
 * The official MCP client against `wrangler dev`: it connects to /mcp with a
 * read key, lists the tools, and finds one request's entries, some archived to
 * R2 by /flush and some still waiting in KV.
 */
import { request as httpRequest } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, TEST_INGEST_KEY, TEST_READ_KEY } from "./stack";

async function connect(url: string, key: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

type Entry = { message: string; requestId?: string; ingestKey?: string };

describe("MCP under wrangler dev", () => {
  let stack: Stack;
  let mcpUrl: string;
  beforeAll(async () => {
    stack = await startStack();
    // localhost, as an MCP client configured from docs/mcp.md would connect.
    mcpUrl = `${stack.logWorker.url.replace("127.0.0.1", "localhost")}/mcp`;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("lists the tools and finds a request's entries across KV and R2", async () => {
    const requestId = `e2e-${crypto.randomUUID()}`;
    const post = (entries: object[]) =>
      fetch(`${stack.logWorker.url}/log`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": TEST_INGEST_KEY },
        body: JSON.stringify(entries),
      });
    expect(
      (await post([{ message: "first", requestId, service: "api" }, { message: "unrelated" }])).status,
    ).toBe(201);
    const flush = await stack.admin("/flush", { method: "POST" });
    expect(flush.status).toBe(200);
    expect(((await flush.json()) as { archived: number }).archived).toBeGreaterThanOrEqual(2);
    expect((await post([{ level: "error", message: "second", requestId, service: "db" }])).status).toBe(201);

    const client = await connect(mcpUrl, TEST_READ_KEY);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        "archive_status",
        "get_request",
        "list_services",
        "search_logs",
      ]);

      const result = await client.callTool({ name: "get_request", arguments: { requestId } });
      expect(result.isError).toBeFalsy();
      const found = result.structuredContent as { logs: Entry[]; cursor: string | null };
      expect(found.logs.map((e) => e.message)).toEqual(["first", "second"]);
      expect(found.logs.map((e) => e.ingestKey)).toEqual(["e2e-producer", "e2e-producer"]);
      expect(found.cursor).toBeNull();

      const search = await client.callTool({ name: "search_logs", arguments: { requestId, level: "error" } });
      expect((search.structuredContent as { logs: Entry[] }).logs.map((e) => e.message)).toEqual(["second"]);
    } finally {
      await client.close();
    }
  });

  it("refuses a client without a key (401) and one with an ingest key (403)", async () => {
    await expect(connect(mcpUrl, TEST_INGEST_KEY)).rejects.toThrow(/forbidden/);
    const res = await fetch(mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
  });

  it("refuses a request to the local server under a rebound host name", async () => {
    const { port } = new URL(stack.logWorker.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/mcp",
          method: "POST",
          headers: {
            Host: `attacker.example:${port}`,
            Authorization: `Bearer ${TEST_READ_KEY}`,
            "Content-Type": "application/json",
            Accept: "application/json, text/event-stream",
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    });
    expect(status).toBe(403);
  });
});
