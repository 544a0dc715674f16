/**
 * Every operation of the public app, as its route module declares it
 * (`GET /openapi.json` itself is added by routes.ts). A new
 * route module exports `openapi: OpenApiOperation[]` next to its handlers and
 * adds ONE line here; test/openapi.test.ts fails while the app and this list
 * disagree.
 */
import { openapi as health } from "../http/health";
import { openapi as mcp } from "../mcp/routes";
import { openapi as debug } from "../routes/debug";
import { openapi as flush } from "../routes/flush";
import { openapi as search } from "../routes/search";
import { openapi as ingest } from "./ingest";
import type { OpenApiOperation } from "./operation";

export const operations: readonly OpenApiOperation[] = [
  ...health,
  ...ingest,
  ...flush,
  ...debug,
  ...search,
  ...mcp,
];
