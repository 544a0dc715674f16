/**
 * OTLP: OpenTelemetry's log export protocol over HTTP (`POST /v1/logs`).
 * Reading the body (encoding, gzip, limits: body.ts), protobuf through the
 * official generated messages (protobuf.ts), records → entries (map.ts), and
 * the handler with the OTLP answers (handler.ts).
 */
export { handleOtlpLogs } from "./handler";
