/**
 * The real OpenTelemetry JS SDK exports logs to a `wrangler dev` log-worker
 * over OTLP/HTTP (JSON and protobuf, each plain and gzip), with the X-API-Key
 * header: every exporter reports success, the records wait in KV mapped to
 * entries, and after POST /flush they are in R2, each once.
 */
import { context, SeverityNumber, trace } from "@opentelemetry/api";
import { OTLPLogExporter as JsonExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, TEST_API_KEY } from "./stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const run = crypto.randomUUID();
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

/** Three records of one variant, made by the SDK's own logger (captured in memory). */
function makeRecords(variant: string): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "e2e-otlp", "deployment.environment": "test" }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger("e2e.logger", "1.0.0");
  const spanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 };
  logger.emit({
    severityNumber: SeverityNumber.WARN,
    severityText: "WARN",
    body: `${variant}: disk almost full`,
    attributes: { run, variant, "disk.free": 0.02 },
    context: trace.setSpanContext(context.active(), spanContext),
  });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    body: { variant, problem: "structured body" },
    attributes: { run, variant },
  });
  logger.emit({ severityText: "debug", body: `${variant}: text severity`, attributes: { run, variant } });
  const records = memory.getFinishedLogRecords();
  // An empty export would "succeed" too.
  expect(records).toHaveLength(3);
  return records;
}

/** Exports with a real exporter; resolves with the SDK's ExportResult. */
function exportWith(exporter: LogRecordExporter, records: ReadableLogRecord[]) {
  return new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(records, resolve));
}

const url = () => `${stack.logWorker.url}/v1/logs`;
const headers = { "X-API-Key": TEST_API_KEY };
// The exporters' CompressionAlgorithm values (an enum of otlp-exporter-base).
const gzip = "gzip" as never;

const variants: [string, () => LogRecordExporter][] = [
  ["http/json", () => new JsonExporter({ url: url(), headers })],
  ["http/json+gzip", () => new JsonExporter({ url: url(), headers, compression: gzip })],
  ["http/protobuf", () => new ProtoExporter({ url: url(), headers })],
  ["http/protobuf+gzip", () => new ProtoExporter({ url: url(), headers, compression: gzip })],
];

interface Entry {
  id: string;
  level: string;
  message: string;
  service?: string;
  run?: string;
  variant?: string;
  [field: string]: unknown;
}

async function waiting(): Promise<Entry[]> {
  const res = await stack.admin("/debug/kv-logs?limit=1000&service=e2e-otlp");
  const body = (await res.json()) as { logs: Entry[] };
  return body.logs.filter((e) => e.run === run);
}

async function archived(): Promise<Entry[]> {
  const out: Entry[] = [];
  const list = (await (await stack.admin("/debug/r2-logs?limit=1000")).json()) as {
    objects: { key: string }[];
  };
  for (const { key } of list.objects) {
    const text = await (await stack.admin(`/debug/r2-logs/${key}`)).text();
    for (const line of text.split("\n")) {
      if (line) out.push(JSON.parse(line) as Entry);
    }
  }
  return out.filter((e) => e.run === run);
}

describe("OpenTelemetry JS SDK → POST /v1/logs on wrangler dev", () => {
  it.each(variants)("%s exporter reports success", async (variant, make) => {
    const exporter = make();
    const result = await exportWith(exporter, makeRecords(variant));
    await exporter.shutdown();
    // ExportResultCode.SUCCESS is 0, FAILED 1.
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
  });

  it("an exporter without the API key reports failure", async () => {
    const exporter = new ProtoExporter({ url: url() });
    const result = await exportWith(exporter, makeRecords("no-key"));
    await exporter.shutdown();
    expect(result.code).toBe(1);
  });

  it("the records wait in KV as entries mapped from OTLP", async () => {
    const entries = await waiting();
    expect(entries).toHaveLength(variants.length * 3);
    for (const [variant] of variants) {
      const mine = entries.filter((e) => e.variant === variant);
      expect(mine.map((e) => e.level).sort()).toEqual(["debug", "error", "warn"]);
      const warn = mine.find((e) => e.level === "warn");
      expect(warn).toMatchObject({
        message: `${variant}: disk almost full`,
        service: "e2e-otlp",
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        severityText: "WARN",
        "disk.free": 0.02,
        resource: { "service.name": "e2e-otlp", "deployment.environment": "test" },
        scope: { name: "e2e.logger", version: "1.0.0" },
      });
      const error = mine.find((e) => e.level === "error");
      expect(JSON.parse(error?.message ?? "null")).toEqual({ variant, problem: "structured body" });
    }
    expect(entries.some((e) => e.variant === "no-key")).toBe(false);
  });

  it("after POST /flush they are in R2, each once", async () => {
    const res = await stack.admin("/flush", { method: "POST" });
    expect(res.status).toBe(200);
    expect(await waiting()).toEqual([]);
    const entries = await archived();
    expect(entries).toHaveLength(variants.length * 3);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });
});
