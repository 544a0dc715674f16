/**
 * The HTTP surface of log-worker.
 *
 * `app` serves the public URL: `/health`, `/openapi.json` and the log viewer's
 * static page (`/`, `/ui/*`, `/favicon.svg`) are public; every other route needs
 * the API key. Every answer carries Hono's secure headers (nosniff, no framing,
 * no referrer...); the viewer's own stricter headers are kept.
 * `bindingApp` serves the `LogIngest` named entrypoint, which only other
 * workers reach through a service binding: it offers ingest alone, without a key,
 * so application workers never hold the admin secret.
 */
import { INGEST_LIMITS } from "@log-service/client/schema";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { ApiError, apiKeyAuth, handleHealth, methodNotAllowed, notFound, onError } from "./http";
import { handleIngest } from "./ingest";
import { openapiRoutes } from "./openapi";
import { debugRoutes, flushRoutes } from "./routes";
import { searchRoutes } from "./routes/search";
import { viewer } from "./ui/routes";

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
// API answers are data, never a page: no framing, and a CSP under which nothing
// would run if one were opened as a document. overwrite: false keeps what a
// route sets itself (the viewer's own CSP).
app.use(
  secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    xFrameOptions: "DENY",
    overwrite: false,
  }),
);
app.route("/", viewer);

app.use("/log", apiKeyAuth());
app.use("/flush", apiKeyAuth());
app.use("/debug/*", apiKeyAuth());

app.get("/health", handleHealth);
app.post("/log", ingestBodyLimit, handleIngest);
app.all("/log", methodNotAllowed(["POST"]));
app.route("/", flushRoutes);
app.route("/", debugRoutes);
app.route("/", searchRoutes);
app.route("/", openapiRoutes);

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
