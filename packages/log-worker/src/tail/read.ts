/**
 * Tolerant readers of trace event fields. Trace events cross a trust boundary:
 * any field may be missing or of another type, and reads give `undefined`
 * (or an empty list) rather than throwing.
 */

// Epoch ms the wire schema accepts (1970 … 9999).
const MAX_EPOCH_MS = 253_402_300_799_999;

export type Fields = Record<string, unknown>;

export function asRecord(value: unknown): Fields | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asEpochMs(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_EPOCH_MS
    ? value
    : undefined;
}
