/** Builds the OpenAPI 3.1 document from the operations the route modules declare. */
import { errorBodySchema } from "@log-service/http";
import { z } from "zod";
import type { OpenApiOperation, OpenApiResponse } from "./operation";

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12, which OpenAPI 3.1 uses as is; the request side (io: "input") for inputs. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  // "any": a transform or refinement has no JSON Schema; the document then says less, never something wrong.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodObject, where: "query" | "path") {
  const object = jsonSchema(schema, "input");
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    ...(description ? { description } : {}),
    schema: property,
  }));
}

const ERROR_REF = { $ref: "#/components/schemas/Error" };
const AUTH_ERRORS: Record<number, string> = {
  401: "missing_api_key, invalid_api_key: send a known key in X-API-Key",
  403: "forbidden: the key is valid but not of the scope this route needs",
  500: "not_configured: no key of this scope is set, so the route fails closed",
};

function response(status: number, entry: OpenApiResponse | string) {
  if (status === 204 || status === 304) {
    return { description: typeof entry === "string" ? entry : entry.description };
  }
  if (typeof entry === "string") {
    return { description: entry, content: { "application/json": { schema: ERROR_REF } } };
  }
  const content = {
    [entry.contentType ?? "application/json"]: entry.schema
      ? { schema: jsonSchema(entry.schema, "output") }
      : {},
  };
  return { description: entry.description, content };
}

function operationObject(op: OpenApiOperation) {
  const keyed = op.auth !== "none";
  const responses = keyed ? { ...AUTH_ERRORS, ...op.responses } : op.responses;
  return {
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: keyed ? [{ apiKey: [] }] : [],
    ...(keyed ? { "x-scope": op.auth } : {}),
    parameters: [
      ...(op.pathParams ? parameters(op.pathParams, "path") : []),
      ...(op.query ? parameters(op.query, "query") : []),
    ],
    ...(op.requestBody
      ? {
          requestBody: {
            required: true,
            description: op.requestBody.description,
            content: {
              [op.requestBody.contentType ?? "application/json"]: {
                schema: jsonSchema(op.requestBody.schema, "input"),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(responses).map(([status, r]) => [status, response(Number(status), r)]),
    ),
  };
}

/** The OpenAPI 3.1 document for `operations`. */
export function buildOpenApiDocument(operations: readonly OpenApiOperation[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const item = paths[op.path] ?? {};
    paths[op.path] = item;
    if (item[op.method]) throw new Error(`OpenAPI: ${op.method.toUpperCase()} ${op.path} is declared twice`);
    item[op.method] = operationObject(op);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "log-worker",
      version: "1.0.0",
      description:
        "A log service for Cloudflare Workers: ingest into Workers KV, archive to R2. " +
        'Every error is { "error": { "code", "message", "details"? } }.',
    },
    components: {
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } },
      schemas: { Error: jsonSchema(errorBodySchema, "output") },
    },
    paths,
  };
}
