// Issue 14: OTLP ingest (POST /v1/logs, JSON and protobuf) against POST /log
// with the same entries, in the same run, on the same log-worker under
// Miniflare. Each cell runs the three targets back to back, in rounds, in an
// order rotated per cell, like the ingest phase.
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { makeEntry } from "../entries.mjs";
import { loadFigures, mergeLoads, runLoad } from "../load.mjs";
import { API_KEY, startLogWorker } from "../targets.mjs";

/** @typedef {"log-json" | "otlp-json" | "otlp-protobuf"} OtlpTargetId */

export const OTLP_TARGET_LABELS = /** @type {const} */ ({
  "log-json": "POST /log (JSON array)",
  "otlp-json": "POST /v1/logs, OTLP JSON",
  "otlp-protobuf": "POST /v1/logs, OTLP protobuf",
});

/**
 * @typedef {object} OtlpRow
 * @property {"miniflare"} path
 * @property {OtlpTargetId} target
 * @property {number} entriesPerRequest
 * @property {number} concurrency
 * @property {number} bodyBytes          mean request body size
 * @property {number} entriesPerS        2xx responses × entries per request, per second
 * @property {number[]} roundEntriesPerS   the same, per round (rounds alternate the targets)
 * @property {ReturnType<typeof loadFigures>} load
 */

const SEVERITY = { debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
// The official generated messages log-worker decodes with, used here to encode.
const logWorkerRequire = createRequire(join(ROOT, "packages", "log-worker", "package.json"));
const root = logWorkerRequire("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const ExportLogsServiceRequest = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;

/**
 * The same entries as POST /log sends, as one OTLP export request: service as
 * the resource's service.name, level as severityNumber, message as body, the
 * other fields as attributes.
 * @param {ReturnType<typeof makeEntry>[]} entries
 * @param {boolean} protobuf  64-bit times as numbers for protobufjs, strings for JSON
 */
function otlpRequest(entries, protobuf) {
  const now = Date.now();
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "bench" } }] },
        scopeLogs: [
          {
            scope: { name: "bench" },
            logRecords: entries.map((e, i) => {
              const { level, message, service: _, ...rest } = e;
              const nanos = (now + i) * 1e6;
              return {
                timeUnixNano: protobuf ? nanos : String(nanos),
                severityNumber: SEVERITY[/** @type {keyof typeof SEVERITY} */ (level)],
                body: { stringValue: message },
                attributes: Object.entries(rest).map(([key, v]) => ({
                  key,
                  value: typeof v === "number" ? { intValue: v } : { stringValue: String(v) },
                })),
              };
            }),
          },
        ],
      },
    ],
  };
}

/**
 * `variants` distinct bodies per target, each holding the same entries.
 * @param {number} perRequest
 * @param {number} [variants]
 * @returns {Record<OtlpTargetId, Buffer[]>}
 */
function makeAllBodies(perRequest, variants = 16) {
  /** @type {Record<OtlpTargetId, Buffer[]>} */
  const out = { "log-json": [], "otlp-json": [], "otlp-protobuf": [] };
  for (let v = 0; v < variants; v++) {
    const entries = Array.from({ length: perRequest }, (_, i) => makeEntry(v * perRequest + i));
    out["log-json"].push(Buffer.from(JSON.stringify(entries)));
    out["otlp-json"].push(Buffer.from(JSON.stringify(otlpRequest(entries, false))));
    out["otlp-protobuf"].push(
      Buffer.from(ExportLogsServiceRequest.encode(otlpRequest(entries, true)).finish()),
    );
  }
  return out;
}

/** @param {import("../context.mjs").BenchContext} ctx */
export async function otlpPhase(ctx) {
  const s = ctx.settings.ingest;
  const cells = { entriesPerRequest: [10, 100], concurrency: [1, 32] };
  ctx.say("otlp: starting log-worker under Miniflare");
  const script = await ctx.bundle("logWorker");
  const worker = await startLogWorker("log-worker-otlp", ctx.stateDir("log-worker-otlp"), script);
  try {
    /** @type {Record<OtlpTargetId, { path: string, headers: Record<string, string> }>} */
    const targets = {
      "log-json": { path: "/log", headers: { "Content-Type": "application/json", "X-API-Key": API_KEY } },
      "otlp-json": {
        path: "/v1/logs",
        headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
      },
      "otlp-protobuf": {
        path: "/v1/logs",
        headers: { "Content-Type": "application/x-protobuf", "X-API-Key": API_KEY },
      },
    };
    /** @type {OtlpTargetId[]} */
    const order = ["log-json", "otlp-json", "otlp-protobuf"];
    /** @type {OtlpRow[]} */
    const rows = [];
    let cell = 0;
    for (const entriesPerRequest of cells.entriesPerRequest) {
      const bodies = makeAllBodies(entriesPerRequest);
      for (const concurrency of cells.concurrency) {
        const rotated = [...order.slice(cell % order.length), ...order.slice(0, cell % order.length)];
        cell++;
        /** @type {Map<OtlpTargetId, import("../load.mjs").LoadResult[]>} */
        const runs = new Map(order.map((t) => [t, []]));
        for (let round = 0; round < s.rounds; round++) {
          for (const target of rotated) {
            const spec = {
              origin: worker.origin,
              ...targets[target],
              bodies: bodies[target],
              concurrency,
              maxRequests: s.maxRequests,
            };
            if (round === 0) await runLoad({ ...spec, durationMs: s.warmupMs });
            runs.get(target)?.push(await runLoad({ ...spec, durationMs: s.durationMs / s.rounds }));
          }
        }
        for (const target of order) {
          const res = mergeLoads(runs.get(target) ?? []);
          const sizes = bodies[target].map((b) => b.byteLength);
          const row = {
            path: /** @type {const} */ ("miniflare"),
            target,
            entriesPerRequest,
            concurrency,
            bodyBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length,
            entriesPerS: (res.ok * entriesPerRequest) / res.elapsedS,
            roundEntriesPerS: (runs.get(target) ?? []).map(
              (run) => (run.ok * entriesPerRequest) / run.elapsedS,
            ),
            load: loadFigures(res),
          };
          rows.push(row);
          ctx.say(
            `otlp: ${entriesPerRequest}/req c=${concurrency} ${target}: ${Math.round(row.entriesPerS)} entries/s, p50 ${res.p50Ms.toFixed(2)} ms` +
              (res.ok < res.requests || res.errors ? `, NON-2xx: ${res.firstFailure}` : ""),
          );
        }
      }
    }
    return { rows };
  } finally {
    await worker.stop();
  }
}
