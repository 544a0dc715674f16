/** `GET /openapi.json`: the HTTP contract as OpenAPI 3.1, public like `/health`. */
import { Hono } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../env";
import { buildOpenApiDocument } from "./document";
import type { OpenApiOperation } from "./operation";
import { operations } from "./registry";

export const openapiRoutes = new Hono<AppEnv>();

let document: ReturnType<typeof buildOpenApiDocument> | undefined;
function openApiDocument() {
  document ??= buildOpenApiDocument([...operations, ...openapi]);
  return document;
}

// The document only changes with a deploy: an ETag lets clients revalidate for free.
openapiRoutes.get("/openapi.json", etag(), (c) => c.json(openApiDocument()));

const openapi: OpenApiOperation[] = [
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    auth: "none",
    responses: { 200: { description: "OpenAPI 3.1" }, 304: { description: "Not modified (ETag)" } },
  },
];
