// Resident memory of a process, from /proc/<pid>/status (VmRSS, in kB).
import { readFileSync } from "node:fs";

/**
 * VmRSS of `pid` in bytes, or NaN when it cannot be read.
 * @param {number} pid
 */
export function readRss(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Samples the RSS of `pid` every `intervalMs` until `stop()`, which returns the
 * peak and the number of samples.
 * @param {number} pid
 * @param {number} [intervalMs]
 */
export function sampleRss(pid, intervalMs = 50) {
  let peak = readRss(pid);
  let samples = 1;
  const timer = setInterval(() => {
    const rss = readRss(pid);
    samples++;
    if (rss > peak) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const last = readRss(pid);
      return { peak: Math.max(peak, last), last, samples: samples + 1 };
    },
  };
}
