/**
 * NDJSON bodies of `POST /log` (`Content-Type: application/x-ndjson`), as log
 * shippers such as Vector and Fluent Bit send them: one entry per line.
 */
import { ApiError } from "../http/errors";

export const NDJSON_TYPE = /^application\/x-ndjson\s*(;|$)/i;

export interface NdjsonBatch {
  /** The entries, one per non-blank line. */
  entries: unknown[];
  /** The same entries as one JSON array, built from the lines as sent (not re-serialised). */
  json: string;
  /** 1-based line number of each entry, so errors name the line. */
  lines: number[];
}

/**
 * Splits an NDJSON body into entries. Blank lines are skipped and a trailing
 * newline (or CRLF line ends) is fine; a line that is not JSON is a 400 naming
 * it, without quoting it.
 */
export function parseNdjson(text: string): NdjsonBatch {
  const entries: unknown[] = [];
  const lines: number[] = [];
  const parts: string[] = [];
  let lineNo = 0;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line));
    } catch {
      throw new ApiError(
        400,
        "invalid_json",
        `line ${lineNo}: not valid JSON; send one JSON object per line.`,
        {
          details: { line: lineNo },
        },
      );
    }
    lines.push(lineNo);
    parts.push(line);
  }
  return { entries, json: `[${parts.join(",")}]`, lines };
}
