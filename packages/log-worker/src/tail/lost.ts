/**
 * Lost-entries lines (contract 3): when the client gives up on a batch it
 * writes one `console.error` line, a JSON object
 * `{ "level": "error", "message": "log-service: batch not delivered",
 *    "logServiceLost": { "v": 1, "idempotencyKey", "reason", "entries": [...] } }`.
 * Tail capture stores those entries under the batch's own idempotency key, so a
 * batch that did arrive after all is not stored twice.
 */
import { z } from "zod";

const lostLineSchema = z.object({
  logServiceLost: z.object({
    v: z.literal(1),
    idempotencyKey: z.string().min(1),
    reason: z.string().optional(),
    entries: z.array(z.unknown()).min(1),
  }),
});

/** A batch the client could not deliver, as its lost-entries line carries it. */
export interface LostBatch {
  idempotencyKey: string;
  reason?: string;
  /** The batch's entries exactly as the client sent them (already redacted by it). */
  entries: unknown[];
}

// Cheap test before parsing: most lines are not lost-entries lines.
const MARKER = '"logServiceLost"';

/**
 * The batch a console line reports lost, or null when the line is not a
 * lost-entries line. The line is the console call's arguments: one JSON string
 * (what the client writes), or one object (a client that logs objects).
 */
export function lostBatch(args: readonly unknown[]): LostBatch | null {
  if (args.length !== 1) return null;
  let value = args[0];
  if (typeof value === "string") {
    if (!value.includes(MARKER)) return null;
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const parsed = lostLineSchema.safeParse(value);
  if (!parsed.success) return null;
  const { idempotencyKey, reason, entries } = parsed.data.logServiceLost;
  return reason === undefined ? { idempotencyKey, entries } : { idempotencyKey, reason, entries };
}
