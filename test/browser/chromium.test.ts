/** Where the browser tests look for Chrome or Chromium, and what they say when there is none. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { findChromium } from "./chromium";

const only = (path: string) => (candidate: string) => candidate === path;

describe("findChromium", () => {
  it("finds Google Chrome and Chromium in the standard macOS places", () => {
    const chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    expect(findChromium({}, "darwin", only(chrome))).toBe(chrome);
    const chromium = "/Applications/Chromium.app/Contents/MacOS/Chromium";
    expect(findChromium({}, "darwin", only(chromium))).toBe(chromium);
  });

  it("finds Debian's and Google's packages on Linux", () => {
    expect(findChromium({}, "linux", only("/usr/bin/chromium"))).toBe("/usr/bin/chromium");
    expect(findChromium({}, "linux", only("/usr/bin/google-chrome"))).toBe("/usr/bin/google-chrome");
  });

  it("takes CHROMIUM_PATH first, and refuses one that does not exist instead of falling back", () => {
    const everything = () => true;
    expect(findChromium({ CHROMIUM_PATH: "/opt/chrome/chrome" }, "linux", everything)).toBe(
      "/opt/chrome/chrome",
    );
    const missing = findChromium({ CHROMIUM_PATH: "/opt/nope" }, "linux", only("/usr/bin/chromium"));
    expect(missing).toBeInstanceOf(Error);
    expect(String(missing)).toContain("CHROMIUM_PATH is set to /opt/nope");
  });

  it("says what to install when nothing is found", () => {
    expect(String(findChromium({}, "darwin", () => false))).toMatch(
      /Install Google Chrome .*\/Applications.*CHROMIUM_PATH/i,
    );
    expect(String(findChromium({}, "linux", () => false))).toContain("apt-get install -y chromium");
  });
});

describe("scripts/ensure-chromium.sh", () => {
  it("fails with a clear message when CHROMIUM_PATH names no executable", () => {
    const run = spawnSync("sh", [join(ROOT, "scripts", "ensure-chromium.sh")], {
      env: { ...process.env, CHROMIUM_PATH: "/nonexistent/chrome" },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "CHROMIUM_PATH is set to '/nonexistent/chrome', which is not an executable file",
    );
  });
});
