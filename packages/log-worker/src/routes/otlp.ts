/** `POST /v1/logs`: OTLP/HTTP log export (see src/otlp). */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { methodNotAllowed } from "../http/errors";
import { handleOtlpLogs } from "../otlp";

export const otlpRoutes = new Hono<AppEnv>();

otlpRoutes.post("/v1/logs", handleOtlpLogs);
otlpRoutes.all("/v1/logs", methodNotAllowed(["POST"]));
