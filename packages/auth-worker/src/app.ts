/**
 * The HTTP surface of auth-worker. Every request goes through the request
 * logger first: it gets `c.var.log` and an `X-Request-Id`, and its entries
 * reach log-worker as one batch after the response.
 */
import { requestLogger } from "@log-service/client";
import { Hono } from "hono";
import { login, me, register } from "./account";
import { limitBody } from "./body";
import { handleHealth } from "./config";
import type { AppEnv } from "./env";
import { methodNotAllowed, notFound, onError } from "./errors";

export const SERVICE_NAME = "auth-worker";

export const app = new Hono<AppEnv>();

// The binding named explicitly, so the compiler checks log-worker's LogIngest (as typed by wrangler) against the client.
app.use(requestLogger<AppEnv>({ service: SERVICE_NAME, binding: (c) => c.env.log_worker }));

app.get("/health", handleHealth);

app.post("/register", limitBody(), register);
app.all("/register", methodNotAllowed(["POST"]));

app.post("/login", limitBody(), login);
app.all("/login", methodNotAllowed(["POST"]));

app.get("/me", me);
app.all("/me", methodNotAllowed(["GET"]));

app.notFound(notFound);
app.onError(onError);
