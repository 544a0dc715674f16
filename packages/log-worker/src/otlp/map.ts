/**
 * OTLP log records → log entries (DESIGN.md, "OTLP and NDJSON ingest").
 *
 * One mapper serves both encodings: a JSON body is OTLP's JSON mapping of the
 * same messages (camelCase fields, 64-bit integers as strings or numbers, ids
 * as hex), and protobufjs decodes protobuf into objects with the same field
 * names (64-bit integers as Long, bytes as Uint8Array). A JSON body is
 * untrusted in its types, so every field is read with a check.
 *
 * A request whose structure is wrong (resourceLogs not a list…) is malformed
 * (400). A record that cannot become a valid entry is rejected alone and named
 * in `partialSuccess`; the others are stored.
 */
import { INGEST_LIMITS, type LogLevel } from "@log-service/client/schema";
import { ApiError } from "../http/errors";

/** Field names of the OTLP messages this mapper reads (values unchecked). */
export interface ExportLogsRequest {
  resourceLogs?: unknown;
}

/** Fields the mapping itself writes, plus those the server sets: a record attribute by one of these names goes under `attributes`. */
const RESERVED = new Set([
  "id",
  "level",
  "message",
  "timestamp",
  "receivedAt",
  "service",
  "requestId",
  "traceId",
  "spanId",
  "severityText",
  "eventName",
  "resource",
  "scope",
  "attributes",
  "source",
  "ingestKey",
  "__proto__",
]);

/** `message` of a record whose body is absent or empty (and that has no event name). */
export const EMPTY_BODY_MESSAGE = "(empty OTLP log body)";

/** Nesting depth of an attribute or body value beyond which the record is rejected. */
const MAX_DEPTH = 32;

// Epoch milliseconds of 9999-12-31T23:59:59.999Z, the latest timestamp accepted.
const MAX_EPOCH_MS = 253_402_300_799_999;

const SEVERITY_LEVELS: readonly LogLevel[] = ["debug", "debug", "info", "warn", "error", "fatal"];

/** A record that cannot be stored; its message names what is wrong. */
class RecordRejected extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A list field: absent → empty, a list → itself, anything else → malformed request. */
function list(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new ApiError(400, "invalid_otlp", `${path}: must be an array.`);
}

interface LongLike {
  low: number;
  high: number;
}

function isLong(value: unknown): value is LongLike {
  return isObject(value) && typeof value.low === "number" && typeof value.high === "number";
}

/** A 64-bit nanosecond time → epoch ms; null when unset (0 or absent), undefined when invalid. */
function nanosToMs(value: unknown): number | null | undefined {
  let ms: number;
  if (value === undefined || value === null || value === 0 || value === "0") return null;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return undefined;
    ms = Math.floor(value / 1e6);
  } else if (typeof value === "string") {
    if (!/^\d{1,20}$/.test(value)) return undefined;
    // Dropping the last six digits divides by 10^6 exactly.
    ms = value.length > 6 ? Number(value.slice(0, -6)) : 0;
  } else if (isLong(value)) {
    if (value.low === 0 && value.high === 0) return null;
    // high·2^32 + low over 10^6, exactly in doubles: 2^32 = 4294·10^6 + 967296,
    // and high·967296 + low stays below 2^53.
    const high = value.high >>> 0;
    const rest = high * 967_296 + (value.low >>> 0);
    ms = high * 4294 + (rest - (rest % 1e6)) / 1e6;
  } else {
    return undefined;
  }
  return ms <= MAX_EPOCH_MS ? ms : undefined;
}

/** An int64 as a JSON value: a number when exact, else its decimal string. */
function int64(value: unknown): number | string | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "string") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (isLong(value)) {
    const long = value as LongLike & { toNumber?: () => number; toString(): string };
    const n = typeof long.toNumber === "function" ? long.toNumber() : Number.NaN;
    return Number.isSafeInteger(n) ? n : long.toString();
  }
  return null;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte];
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * A trace or span id as lowercase hex: protobuf gives bytes; JSON gives hex (the
 * OTLP JSON rule) or, from older producers, base64. Unset or all zero → undefined.
 */
function hexId(value: unknown, bytes: number, name: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let hex: string | undefined;
  if (value instanceof Uint8Array) {
    if (value.length === 0) return undefined;
    if (value.length === bytes) hex = bytesToHex(value);
  } else if (typeof value === "string") {
    if (value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value)) hex = value.toLowerCase();
    else if (value.length === Math.ceil(bytes / 3) * 4) {
      try {
        const raw = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
        if (raw.length === bytes) hex = bytesToHex(raw);
      } catch {
        // not base64 either: rejected below
      }
    }
  }
  if (hex === undefined) throw new RecordRejected(`${name} must be ${bytes} bytes (${bytes * 2} hex digits)`);
  return /^0+$/.test(hex) ? undefined : hex;
}

/** Rough upper bound of the serialized bytes of the values flattened so far. */
interface Weight {
  bytes: number;
}

function flattenList(values: unknown, depth: number, weight: Weight): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(values)) return out;
  for (const kv of values) {
    if (!isObject(kv) || typeof kv.key !== "string") continue;
    // Escaping can turn one character into six (\u0000).
    weight.bytes += kv.key.length * 6 + 4;
    const value = anyValue(kv.value, depth + 1, weight);
    if (kv.key === "__proto__")
      Object.defineProperty(out, kv.key, { value, enumerable: true, writable: true });
    else out[kv.key] = value;
  }
  return out;
}

/** An OTLP AnyValue as the JSON value it stands for. */
function anyValue(value: unknown, depth: number, weight: Weight): unknown {
  if (depth > MAX_DEPTH) throw new RecordRejected(`a value is nested deeper than ${MAX_DEPTH} levels`);
  weight.bytes += 16;
  if (!isObject(value)) return null;
  if (typeof value.stringValue === "string") {
    weight.bytes += value.stringValue.length * 6;
    return value.stringValue;
  }
  if (typeof value.boolValue === "boolean") return value.boolValue;
  if (value.intValue !== undefined && value.intValue !== null) return int64(value.intValue);
  if (value.doubleValue !== undefined && value.doubleValue !== null) {
    const n = Number(value.doubleValue);
    // JSON has no NaN or Infinity: keep them as the strings OTLP JSON uses.
    return Number.isFinite(n) ? n : String(value.doubleValue);
  }
  if (isObject(value.arrayValue)) {
    const values = Array.isArray(value.arrayValue.values) ? value.arrayValue.values : [];
    return values.map((v) => anyValue(v, depth + 1, weight));
  }
  if (isObject(value.kvlistValue)) return flattenList(value.kvlistValue.values, depth, weight);
  if (value.bytesValue instanceof Uint8Array) {
    weight.bytes += Math.ceil(value.bytesValue.length / 3) * 4;
    return bytesToBase64(value.bytesValue);
  }
  if (typeof value.bytesValue === "string") {
    weight.bytes += value.bytesValue.length * 6;
    return value.bytesValue;
  }
  return null;
}

function severityLevel(number: unknown, text: unknown): LogLevel {
  let n = typeof number === "number" ? number : Number.NaN;
  if (typeof number === "string")
    n = SEVERITY_NAMES[number.replace(/^SEVERITY_NUMBER_/, "").replace(/\d$/, "")] ?? n;
  if (Number.isInteger(n) && n >= 1 && n <= 24) return SEVERITY_LEVELS[Math.floor((n - 1) / 4)] ?? "info";
  if (typeof text === "string" && text !== "")
    return SEVERITY_TEXTS[text.toLowerCase().replace(/\d$/, "")] ?? "info";
  return "info";
}

/** Enum names of severityNumber (a JSON producer may send names) → the first number of their range. */
const SEVERITY_NAMES: Record<string, number> = {
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
};

/** severityText (case-insensitive, OTel short names and common logger/syslog names) → level. */
const SEVERITY_TEXTS: Record<string, LogLevel> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  information: "info",
  notice: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  err: "error",
  fatal: "fatal",
  critical: "fatal",
  crit: "fatal",
  alert: "fatal",
  emerg: "fatal",
  emergency: "fatal",
  panic: "fatal",
};

/** What a resource or scope adds to each of its entries, computed once. */
interface Shared {
  service?: string;
  resource?: Record<string, unknown>;
  scope?: Record<string, unknown>;
  /** Serialized bytes `resource` and `scope` add to each entry. */
  bytes: number;
}

/** One mapped record: the entry, and an upper bound of its serialized size. */
export interface MappedEntry {
  entry: Record<string, unknown>;
  /** Bytes the resource and scope add (shared objects, counted per entry when stored). */
  sharedBytes: number;
  /** Where the record was: indexes into resourceLogs, scopeLogs and logRecords. */
  at: readonly [number, number, number];
}

/** `resourceLogs[i].scopeLogs[j].logRecords[k]`, how answers name a record. */
export function recordPath([i, j, k]: readonly [number, number, number]): string {
  return `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]`;
}

export interface MappedLogs {
  entries: MappedEntry[];
  /** Records that were not stored, each with the path and reason. */
  rejected: string[];
}

const encoder = new TextEncoder();

function mapRecord(record: unknown, shared: Shared): Record<string, unknown> {
  if (!isObject(record)) throw new RecordRejected("must be an object");
  let timestamp = nanosToMs(record.timeUnixNano);
  if (timestamp === undefined) throw new RecordRejected("timeUnixNano is not a time between 1970 and 9999");
  if (timestamp === null) {
    timestamp = nanosToMs(record.observedTimeUnixNano);
    if (timestamp === undefined) {
      throw new RecordRejected("observedTimeUnixNano is not a time between 1970 and 9999");
    }
  }
  const weight: Weight = { bytes: 400 };
  const body = anyValue(record.body, 0, weight);
  const eventName =
    typeof record.eventName === "string" && record.eventName !== "" ? record.eventName : undefined;
  let message: string;
  if (typeof body === "string") message = body;
  else if (body === null) message = "";
  else message = JSON.stringify(body);
  if (message === "") message = eventName ?? EMPTY_BODY_MESSAGE;

  const entry: Record<string, unknown> = {
    level: severityLevel(record.severityNumber, record.severityText),
    message,
  };
  // A record without a time takes the time the batch is received, as any entry
  // without one does (the reader derives it from the stored receive time).
  if (timestamp !== null) entry.timestamp = timestamp;
  if (shared.service !== undefined) entry.service = shared.service;
  const traceId = hexId(record.traceId, 16, "traceId");
  if (traceId) entry.traceId = traceId;
  const spanId = hexId(record.spanId, 8, "spanId");
  if (spanId) entry.spanId = spanId;
  if (typeof record.severityText === "string" && record.severityText !== "") {
    entry.severityText = record.severityText;
  }
  if (eventName) entry.eventName = eventName;

  const attributes = flattenList(record.attributes, 0, weight);
  let collisions: Record<string, unknown> | undefined;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (RESERVED.has(key) && !(key === "requestId" && typeof value === "string")) {
      collisions ??= Object.create(null) as Record<string, unknown>;
      collisions[key] = value;
    } else {
      entry[key] = value;
    }
  }
  if (collisions) entry.attributes = collisions;
  if (shared.resource) entry.resource = shared.resource;
  if (shared.scope) entry.scope = shared.scope;

  // The exact size check costs a JSON.stringify, so it runs only when the
  // cheap upper bound says the entry might be over the limit. A non-string body
  // was weighed as values; as a JSON string its quotes are escaped again.
  weight.bytes += (typeof body === "string" ? 0 : message.length * 2) + (eventName?.length ?? 0) * 6;
  if (typeof entry.severityText === "string") weight.bytes += entry.severityText.length * 6;
  if (weight.bytes + shared.bytes > INGEST_LIMITS.maxEntryBytes) {
    const bytes = encoder.encode(JSON.stringify(entry)).byteLength;
    if (bytes > INGEST_LIMITS.maxEntryBytes) {
      throw new RecordRejected(`is ${bytes} bytes as an entry; the limit is ${INGEST_LIMITS.maxEntryBytes}`);
    }
  }
  return entry;
}

function sharedFields(resourceLogs: Record<string, unknown>, scopeLogs: Record<string, unknown>): Shared {
  const shared: Shared = { bytes: 0 };
  const resource = isObject(resourceLogs.resource)
    ? flattenList(resourceLogs.resource.attributes, 0, { bytes: 0 })
    : {};
  const serviceName = resource["service.name"];
  if (typeof serviceName === "string" && serviceName !== "") shared.service = serviceName;
  if (Object.keys(resource).length > 0) shared.resource = resource;
  if (isObject(scopeLogs.scope)) {
    const { name, version, attributes } = scopeLogs.scope;
    const scope: Record<string, unknown> = {};
    if (typeof name === "string" && name !== "") scope.name = name;
    if (typeof version === "string" && version !== "") scope.version = version;
    const attrs = flattenList(attributes, 0, { bytes: 0 });
    if (Object.keys(attrs).length > 0) scope.attributes = attrs;
    if (Object.keys(scope).length > 0) shared.scope = scope;
  }
  shared.bytes = encoder.encode(JSON.stringify({ r: shared.resource, s: shared.scope })).byteLength;
  return shared;
}

/** Maps every record of an export request; throws ApiError 400 when its structure is malformed. */
export function mapLogs(request: unknown): MappedLogs {
  if (!isObject(request))
    throw new ApiError(400, "invalid_otlp", "body: must be an ExportLogsServiceRequest object.");
  const entries: MappedEntry[] = [];
  const rejected: string[] = [];
  list(request.resourceLogs, "resourceLogs").forEach((rl, i) => {
    const rlPath = `resourceLogs[${i}]`;
    if (!isObject(rl)) throw new ApiError(400, "invalid_otlp", `${rlPath}: must be an object.`);
    list(rl.scopeLogs, `${rlPath}.scopeLogs`).forEach((sl, j) => {
      const slPath = `${rlPath}.scopeLogs[${j}]`;
      if (!isObject(sl)) throw new ApiError(400, "invalid_otlp", `${slPath}: must be an object.`);
      const records = list(sl.logRecords, `${slPath}.logRecords`);
      if (records.length === 0) return;
      const shared = sharedFields(rl, sl);
      records.forEach((record, k) => {
        try {
          const entry = mapRecord(record, shared);
          entries.push({ entry, sharedBytes: shared.bytes, at: [i, j, k] });
        } catch (err) {
          if (!(err instanceof RecordRejected)) throw err;
          rejected.push(`${recordPath([i, j, k])}: ${err.message}`);
        }
      });
    });
  });
  return { entries, rejected };
}
