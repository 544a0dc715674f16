/**
 * Log levels, least to most severe. The viewer does not import the list from
 * @log-service/client/schema at run time (that module pulls zod into the
 * bundle); the types below make tsc fail if the two lists drift apart.
 */
import type { LogLevel } from "@log-service/client/schema";

export const LEVELS = ["debug", "info", "warn", "error", "fatal"] as const satisfies readonly LogLevel[];
export type Level = (typeof LEVELS)[number];

/** Fails to compile when the schema gains a level this list lacks. */
export type LevelsComplete = Exclude<LogLevel, Level> extends never ? true : never;
export const LEVELS_COMPLETE: LevelsComplete = true;

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

/** Rank of a level, -1 for anything else (stored data is read back untyped). */
export function rank(level: unknown): number {
  return isLevel(level) ? LEVELS.indexOf(level) : -1;
}

export function levelClass(level: unknown): string {
  return isLevel(level) ? `lvl-${level}` : "lvl-unknown";
}
