/**
 * What the alerts remember between ticks (`_archive/alerts.json` in R2):
 * per alert, its episode and what was last sent; and the last delivery.
 * Written with conditional puts only, so two evaluations at once (the two
 * crons at midnight, a slow tick overlapping the next) never both send.
 */
import { z } from "zod";
import { CONTROL_PREFIX } from "../archive/layout";
import type { Delivery } from "./deliver";

export const ALERT_STATE_KEY = `${CONTROL_PREFIX}alerts.json`;

const recordSchema = z.object({
  firing: z.boolean(),
  /** Start of the current (or last) episode. */
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  value: z.number(),
  threshold: z.number(),
  summary: z.string(),
  /** The last notification sent for this episode and when. */
  sent: z.enum(["firing", "resolved"]).nullable(),
  sentAt: z.string().nullable(),
});
export type AlertRecord = z.infer<typeof recordSchema>;

const deliverySchema = z.object({
  at: z.string(),
  name: z.string(),
  status: z.enum(["firing", "resolved"]),
  ok: z.boolean(),
  httpStatus: z.number().optional(),
  attempts: z.number(),
  error: z.string().optional(),
});

const stateSchema = z.object({
  v: z.literal(1),
  alerts: z.record(z.string(), recordSchema),
  lastDelivery: deliverySchema.nullable(),
  updatedAt: z.string(),
});
export type AlertState = z.infer<typeof stateSchema>;

export const emptyState = (): AlertState => ({ v: 1, alerts: {}, lastDelivery: null, updatedAt: "" });

/** The state and its etag (null when absent). An unreadable state starts afresh. */
export async function readAlertState(bucket: R2Bucket): Promise<{ state: AlertState; etag: string | null }> {
  const object = await bucket.get(ALERT_STATE_KEY);
  if (!object) return { state: emptyState(), etag: null };
  const text = await object.text();
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return { state: parsed.success ? parsed.data : emptyState(), etag: object.etag };
  } catch {
    return { state: emptyState(), etag: object.etag };
  }
}

/** Writes `state` if nobody wrote since `etag`; the new etag, or null when someone did. */
export async function writeAlertState(
  bucket: R2Bucket,
  state: AlertState,
  etag: string | null,
): Promise<string | null> {
  const written = await bucket.put(ALERT_STATE_KEY, JSON.stringify(state), {
    httpMetadata: { contentType: "application/json" },
    onlyIf: etag === null ? { etagDoesNotMatch: "*" } : { etagMatches: etag },
  });
  return written?.etag ?? null;
}

export type { Delivery };
