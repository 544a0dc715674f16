/**
 * The OpenAPI document (`GET /openapi.json`) against the app it describes, and
 * the Hono built-ins the routes use: the zod validator's one error shape,
 * secure headers, and ETags.
 */
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { buildOpenApiDocument, operations } from "../src/openapi";
import { adminGet } from "./helpers";

type Document = ReturnType<typeof buildOpenApiDocument>;
type Operation = {
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
};

const get = (path: string, init?: RequestInit) =>
  exports.default.fetch(new Request(`https://log-worker.test${path}`, init));

/** `GET /a/{x}`, `GET /a/:x` and `GET /a/*` are the same operation. */
const normalize = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/\{[^}]+\}|:[^/]+|\*$/g, "{}")}`;

/** The operations an app serves: ALL entries are middleware or 405 answers (the viewer is Static Assets). */
function servedOperations(served: { routes: readonly { method: string; path: string }[] }): string[] {
  const ops = served.routes.filter((r) => r.method !== "ALL").map((r) => normalize(r.method, r.path));
  return [...new Set(ops)].sort();
}

function documentedOperations(doc: Document): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => normalize(method, path)))
    .sort();
}

async function fetchDocument(): Promise<Document> {
  const res = await get("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

describe("GET /openapi.json (fetch, integration)", () => {
  it("is public OpenAPI 3.1 with the API key scheme", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.apiKey).toEqual({
      type: "apiKey",
      in: "header",
      name: "X-API-Key",
    });
    expect(doc.components.schemas.Error).toMatchObject({ type: "object", required: ["error"] });
  });

  it("documents exactly the routes the app serves, method and path", async () => {
    expect(documentedOperations(await fetchDocument())).toEqual(servedOperations(app));
  });

  it("would notice a route the document lacks", () => {
    const extended = new Hono();
    extended.route("/", app);
    extended.get("/debug/new-thing", (c) => c.text("x"));
    const doc = buildOpenApiDocument(operations);
    expect(servedOperations(extended)).toContain("GET /debug/new-thing");
    expect(documentedOperations(doc)).not.toContain("GET /debug/new-thing");
  });

  it("takes query parameters from the route's own zod schema", async () => {
    const doc = await fetchDocument();
    const kvLogs = doc.paths["/debug/kv-logs"]?.get as Operation;
    const byName = Object.fromEntries(kvLogs.parameters.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(
      ["cursor", "level", "limit", "q", "requestId", "service", "since", "until"].sort(),
    );
    expect(byName.limit).toMatchObject({
      in: "query",
      required: false,
      schema: { minimum: 1, maximum: 1000 },
    });
    expect(byName.level?.schema.enum).toEqual(["debug", "info", "warn", "error", "fatal"]);
    const object = doc.paths["/debug/r2-logs/{key}"]?.get as Operation;
    expect(object.parameters).toMatchObject([{ name: "key", in: "path", required: true }]);
  });

  it("answers 304 to its own ETag", async () => {
    const first = await get("/openapi.json");
    await first.arrayBuffer();
    const tag = first.headers.get("ETag");
    expect(tag).toBeTruthy();
    const again = await get("/openapi.json", { headers: { "If-None-Match": tag ?? "" } });
    expect(again.status).toBe(304);
  });
});

describe("query validation (@hono/zod-validator, one hook)", () => {
  it("answers 400 invalid_query naming every bad parameter", async () => {
    const res = await adminGet("/debug/kv-logs?limit=0&level=loud");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { issues: string[] } } };
    expect(body.error.code).toBe("invalid_query");
    expect(body.error.details.issues).toEqual([
      "limit: must be a whole number from 1 to 1000",
      "level: must be one of debug, info, warn, error, fatal",
    ]);
  });

  it("refuses a repeated parameter rather than picking one of its values", async () => {
    const res = await adminGet("/debug/kv-logs?level=warn&level=error");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_query");
  });

  it("gives the handler the parsed values", async () => {
    const res = await adminGet("/debug/r2-logs?limit=2");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ objects: [], cursor: null });
  });
});

describe("secure headers (hono/secure-headers)", () => {
  it("are on API answers, errors included", async () => {
    for (const res of [await get("/health"), await adminGet("/debug/stats"), await get("/debug/stats")]) {
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
      expect(res.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      await res.arrayBuffer();
    }
  });
});

describe("GET /debug/r2-logs/<key> (hono/etag)", () => {
  it("carries the object's ETag and answers 304 without a body when it is unchanged", async () => {
    const key = "logs/dt=2026-11-28/etag-test.ndjson.gz";
    const line = `${JSON.stringify({ id: "a", level: "info", message: "hi" })}\n`;
    const gzipped = await new Response(
      new Blob([line]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const stored = await env.log_archive.put(key, gzipped, { customMetadata: { entries: "1" } });

    const first = await adminGet(`/debug/r2-logs/${key}`);
    expect(first.status).toBe(200);
    expect(new TextDecoder().decode(await first.arrayBuffer())).toBe(line);
    expect(first.headers.get("ETag")).toBe(stored.httpEtag);

    const again = await exports.default.fetch(`https://log-worker.test/debug/r2-logs/${key}`, {
      headers: { "X-API-Key": "test-api-key", "If-None-Match": stored.httpEtag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });
});
