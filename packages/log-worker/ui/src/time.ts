/** Time formatting: local time in cells, UTC on hover, datetime-local inputs. */

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The earliest and latest instants an entry may carry (DESIGN.md, "Timestamps"). */
export const MIN_TIME = Date.UTC(1970, 0, 1);
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const clampTime = (t: number) => Math.min(MAX_TIME, Math.max(MIN_TIME, t));

/** HH:MM:SS.mmm for today, with the date in front otherwise; "?" for an invalid date. */
export function localTime(d: Date): string {
  if (Number.isNaN(d.getTime())) return "?";
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${localDate(d)} ${time}`;
}

export function localDate(d: Date): string {
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function utcTitle(d: Date): string {
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace("T", " ").replace("Z", " UTC");
}

/** A datetime-local value (local time, to the second) for an instant. */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return "";
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The instant a datetime-local value names, or NaN. */
export function fromLocalInput(value: string): number {
  return value ? new Date(value).getTime() : Number.NaN;
}

/** "5 min", "1 h", "7 d", "1 y": the length of a chart bucket. */
export function durationName(ms: number): string {
  if (ms < 6e4) return `${ms / 1e3} s`;
  if (ms < 36e5) return `${ms / 6e4} min`;
  if (ms < 864e5) return `${ms / 36e5} h`;
  if (ms < 365 * 864e5) return `${Math.round(ms / 864e5)} d`;
  return `${Math.round(ms / (365 * 864e5))} y`;
}
