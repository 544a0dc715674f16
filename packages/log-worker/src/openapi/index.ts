/**
 * The HTTP contract as an OpenAPI 3.1 document, served at `GET /openapi.json`.
 *
 * Built from what each route module declares next to its handlers
 * (`export const openapi: OpenApiOperation[]`, with the zod schemas the route
 * validates with), listed once in registry.ts; document.ts converts the zod
 * schemas with zod's own `z.toJSONSchema`.
 */
export { buildOpenApiDocument } from "./document";
export type { OpenApiOperation, OpenApiResponse } from "./operation";
export { operations } from "./registry";
export { openapiRoutes } from "./routes";
