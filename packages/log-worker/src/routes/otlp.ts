/** `POST /v1/logs`: OTLP/HTTP log export (see src/otlp). */
import { INGEST_LIMITS } from "@log-service/client/schema";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { methodNotAllowed } from "../http/errors";
import type { OpenApiOperation } from "../openapi/operation";
import { handleOtlpLogs } from "../otlp";

export const otlpRoutes = new Hono<AppEnv>();

otlpRoutes.post("/v1/logs", handleOtlpLogs);
otlpRoutes.all("/v1/logs", methodNotAllowed(["POST"]));

export const openapi: OpenApiOperation[] = [
  {
    method: "post",
    path: "/v1/logs",
    summary: "OTLP/HTTP logs: what OpenTelemetry SDKs, the Collector and Fluent Bit export",
    description:
      "An `ExportLogsServiceRequest` as OTLP JSON (`application/json`) or protobuf (`application/x-protobuf`), " +
      `optionally \`Content-Encoding: gzip\`; at most ${INGEST_LIMITS.maxBodyBytes} bytes before and after ` +
      "decompression. Answers in the request's encoding, per the OTLP specification; errors carry a " +
      "`google.rpc.Status` (`code`, `message`), for JSON next to the usual `error`. Mapping: docs/otlp.md.",
    auth: "ingest",
    requestBody: {
      description: "ExportLogsServiceRequest (OTLP JSON shown; protobuf carries the same messages)",
      schema: z.looseObject({ resourceLogs: z.array(z.looseObject({})).optional() }),
    },
    responses: {
      200: {
        description:
          "`ExportLogsServiceResponse`: empty when every record was stored, else `partialSuccess` " +
          "{ rejectedLogRecords, errorMessage } naming the rejected records (the others are stored)",
      },
      400: "invalid_json, invalid_protobuf, invalid_gzip, invalid_otlp: the body is not an ExportLogsServiceRequest",
      413: "payload_too_large: over the limit before or after decompression",
      415: "unsupported_media_type, unsupported_encoding",
      503: "storage_unavailable: the KV write failed; retry after Retry-After",
    },
  },
];
