/**
 * The HTTP surface of log-worker.
 *
 * `app` serves the public URL: `/health` and `/openapi.json` are public; every
 * other route needs a key of its scope (http/keys.ts): ingest to send, read to
 * read, admin for everything. Every answer carries Hono's secure headers.
 * The log viewer is not here: Workers Static Assets serves it (`[assets]` in
 * wrangler.logworker.toml, built from packages/log-worker/ui).
 * `bindingApp` serves the `LogIngest` named entrypoint, which only other
 * workers reach through a service binding: it offers ingest alone, without a key,
 * so application workers never hold the admin secret.
 */
import { INGEST_LIMITS } from "@log-service/client/schema";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { ApiError, handleHealth, methodNotAllowed, notFound, onError, requireScope } from "./http";
import { handleIngest } from "./ingest";
import { mcpRoutes } from "./mcp";
import { openapiRoutes } from "./openapi";
import { debugRoutes, flushRoutes } from "./routes";
import { searchRoutes } from "./routes/search";

/** The 1 MiB body limit of POST /log, enforced on the stream (a chunked body too). */
const ingestBodyLimit = bodyLimit({
  maxSize: INGEST_LIMITS.maxBodyBytes,
  onError: () => {
    throw new ApiError(
      413,
      "payload_too_large",
      `The body is larger than ${INGEST_LIMITS.maxBodyBytes} bytes; split it into several requests.`,
    );
  },
});

export const app = new Hono<AppEnv>();
// The worker answers JSON only: nothing in a response may run, be framed or be sniffed as another type.
app.use(secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }));

app.use("/log", requireScope("ingest"));
app.use("/v1/logs", requireScope("ingest"));
app.use("/flush", requireScope("admin"));
app.use("/debug/*", requireScope("read"));
app.use("/mcp", requireScope("read"));

app.get("/health", handleHealth);
app.post("/log", ingestBodyLimit, handleIngest);
app.all("/log", methodNotAllowed(["POST"]));
app.route("/", flushRoutes);
app.route("/", debugRoutes);
app.route("/", searchRoutes);
app.route("/", openapiRoutes);
app.route("/", mcpRoutes);

app.notFound(notFound);
app.onError(onError);

/** What the `LogIngest` entrypoint serves: ingest (and health), no API key. */
export const bindingApp = new Hono<AppEnv>();

bindingApp.get("/health", handleHealth);
bindingApp.post("/log", ingestBodyLimit, handleIngest);
bindingApp.all("/log", methodNotAllowed(["POST"]));
bindingApp.notFound((c) =>
  c.json(
    {
      error: {
        code: "not_found",
        message:
          "Over the service binding log-worker serves POST /log only; use the public URL with an API key for the rest.",
      },
    },
    404,
  ),
);
bindingApp.onError(onError);
