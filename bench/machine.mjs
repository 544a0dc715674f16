// What the figures were measured on: hardware, runtime versions, the commit.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { join } from "node:path";
import { ROOT } from "../scripts/lib/wrangler-dev.mjs";

/** @param {string} from  a path to resolve from @param {string} pkg */
function versionOf(from, pkg) {
  try {
    const require = createRequire(from);
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version;
  } catch {
    return "unknown";
  }
}

function cpuModel() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":")[1]?.trim() ?? "unknown";
  } catch {}
  return os.cpus()[0]?.model ?? "unknown";
}

/** @param {string[]} args */
function git(args) {
  try {
    return execFileSync("git", args, {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "";
  }
}

export function describeMachine() {
  const rootFile = join(ROOT, "package.json");
  const wranglerDir = createRequire(rootFile).resolve("wrangler/package.json");
  const miniflareDir = createRequire(rootFile).resolve("miniflare/package.json");
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrangler: versionOf(rootFile, "wrangler"),
    miniflare: versionOf(rootFile, "miniflare"),
    wranglersMiniflare: versionOf(wranglerDir, "miniflare"),
    workerd: versionOf(miniflareDir, "workerd"),
    undici: versionOf(rootFile, "undici"),
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
    commit: git(["rev-parse", "--short", "HEAD"]),
    uncommittedChanges: git(["status", "--porcelain"]).length > 0,
  };
}
