/** The shape of what tail capture hands to ingest. */
import type { LogLevel } from "@log-service/client/schema";

/** What produced a captured entry. */
export type CapturedKind = "console" | "exception" | "invocation";

/** One captured entry, as handed to ingest. */
export interface CapturedEntry {
  [field: string]: unknown;
  level: LogLevel;
  message: string;
  /** Epoch ms from the platform; absent when it gave none (ingest then uses the receive time). */
  timestamp?: number;
  source: "tail";
  kind: CapturedKind;
  service?: string;
  requestId?: string;
  err?: CapturedError;
}

/** An error under `err`, as the platform reports it. */
export interface CapturedError {
  name: string;
  message: string;
  stack?: string;
}
