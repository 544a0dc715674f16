// Everything the bench starts (workerd under Miniflare, wrangler dev process
// groups) is registered here, so that every way out (normal end, error, Ctrl-C,
// SIGTERM, the watchdog) stops it. Only pids this process started are touched:
// registered ones, and this process's own children (which covers a wrangler dev
// caught mid-start, before it could be registered).
import { readdirSync, readFileSync } from "node:fs";

/**
 * @typedef {object} Running
 * @property {string} label
 * @property {() => Promise<void>} stop   graceful stop
 * @property {number[]} pids              killed with SIGKILL if the graceful stop did not end them
 * @property {boolean} group              pids are process-group leaders (kill -pid)
 */

/** @type {Map<number, Running>} */
const running = new Map();
let nextId = 1;

/**
 * Registers something to stop; returns the function that unregisters it.
 * @param {Running} entry
 * @returns {() => void}
 */
export function track(entry) {
  const id = nextId++;
  running.set(id, entry);
  return () => {
    running.delete(id);
  };
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * This process's direct children, from /proc.
 * @returns {{ pid: number, comm: string, pgrp: number }[]}
 */
export function childProcesses() {
  const children = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after the last ")".
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === process.pid) children.push({ pid: Number(name), comm, pgrp: Number(pgrp) });
    } catch {
      // The process ended while we read /proc.
    }
  }
  return children;
}

/** SIGKILL whatever registered pid or child is still alive (synchronous: safe in an exit handler). */
function killLeftovers() {
  for (const entry of running.values()) {
    for (const pid of entry.pids) {
      if (!alive(pid)) continue;
      try {
        process.kill(entry.group ? -pid : pid, "SIGKILL");
      } catch {}
    }
  }
  for (const child of childProcesses()) {
    try {
      // A detached child (wrangler dev) leads its own group, with workerd in it.
      process.kill(child.pgrp === child.pid ? -child.pid : child.pid, "SIGKILL");
    } catch {}
  }
}

/** Stops everything registered, gracefully first (10 s at most), then SIGKILL. */
export async function stopAll() {
  const entries = [...running.values()];
  await Promise.race([
    Promise.allSettled(entries.map((e) => e.stop())),
    new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
  ]);
  killLeftovers();
  running.clear();
}

/** Labels and pids still registered (for the final check). */
export function stillRunning() {
  return [...running.values()].map((e) => ({ label: e.label, pids: e.pids.filter(alive) }));
}

/**
 * Stops everything on Ctrl-C / SIGTERM, and kills leftovers on any exit.
 * @param {(message: string) => void} say
 */
export function installExitHandlers(say) {
  let stopping = false;
  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping every process the bench started…`);
    stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", killLeftovers);
}
