/**
 * The HTTP surface of log-worker.
 *
 * `app` serves the public URL: every route but `/health` needs the API key.
 * `bindingApp` serves the `LogIngest` named entrypoint, which only other
 * workers reach through a service binding: it offers ingest alone, without a key,
 * so application workers never hold the admin secret.
 */
import { Hono } from "hono";
import { apiKeyAuth } from "./auth";
import type { AppEnv } from "./env";
import { ApiError, methodNotAllowed, notFound, onError } from "./errors";
import { handleHealth } from "./health";
import { handleIngest } from "./ingest";
import { kvLogsQuerySchema, listWaitingLogs } from "./kv-logs";
import { parseQuery } from "./query";

export const app = new Hono<AppEnv>();

app.use("/log", apiKeyAuth());
app.use("/flush", apiKeyAuth());
app.use("/debug/*", apiKeyAuth());

app.get("/health", handleHealth);
app.post("/log", handleIngest);
app.all("/log", methodNotAllowed(["POST"]));

app.post("/flush", () => {
  throw new ApiError(501, "not_implemented", "The archive job is not built yet.");
});
app.all("/flush", methodNotAllowed(["POST"]));

app.get("/debug/kv-logs", async (c) => {
  const query = parseQuery(kvLogsQuerySchema, c.req.query());
  return c.json(await listWaitingLogs(c.env.log_state, query));
});

app.notFound(notFound);
app.onError(onError);

/** What the `LogIngest` entrypoint serves: ingest (and health), no API key. */
export const bindingApp = new Hono<AppEnv>();

bindingApp.get("/health", handleHealth);
bindingApp.post("/log", handleIngest);
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
