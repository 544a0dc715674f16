/**
 * A scripted log-worker behind a real service binding (test/log-sink.js): the
 * client calls `ingest` on an RPC stub, as it calls log-worker's LogIngest.
 */
import { env } from "cloudflare:workers";
import type { IngestBinding } from "../src/send";

export type Step =
  | "ok"
  | "throw"
  | "hang"
  | { slowMs: number }
  | { fail: { status: number; code: string; retryable: boolean; retryAfterMs?: number } };

export interface RecordedCall {
  entries: Record<string, unknown>[];
  idempotencyKey: string;
  /** The entries as JSON, for "the secret appears nowhere" checks. */
  json: string;
}

export interface Sink {
  binding: IngestBinding;
  /** Every call the sink received, in order. */
  calls(): Promise<RecordedCall[]>;
  /** Every entry received, across calls. */
  entries(): Promise<Record<string, unknown>[]>;
}

/** A sink answering each call with the next step of `script` (the last one repeats; default "ok"). */
export async function sink(...script: Step[]): Promise<Sink> {
  const stub = (await env.LOG_SINK.open(script)) as unknown as IngestBinding & {
    calls(): Promise<RecordedCall[]>;
  };
  return {
    binding: stub,
    calls: () => stub.calls(),
    entries: async () => (await stub.calls()).flatMap((c) => c.entries),
  };
}

/** Retry settings that keep failing tests fast. */
export const FAST = { attempts: 3, timeoutMs: 200, backoffMs: 1 } as const;

/** The `console.error` lines of lost batches, parsed. */
export interface LostLine {
  level: string;
  message: string;
  logServiceLost: { v: 1; idempotencyKey: string; reason: string; entries: Record<string, unknown>[] };
}
