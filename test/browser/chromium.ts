/**
 * Headless Chromium for the browser tests, driven by playwright-core: the
 * system's Chrome or Chromium (a test tool's own browser download does not work
 * on these machines), in a fresh profile, with the background services off (they
 * would otherwise keep calling out of a closed network).
 *
 * Where it looks: CHROMIUM_PATH when set; on Linux the Debian/Ubuntu packages'
 * binaries; on macOS Google Chrome or Chromium under /Applications or ~/Applications.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";

const MAC_APPS = [
  "Google Chrome.app/Contents/MacOS/Google Chrome",
  "Chromium.app/Contents/MacOS/Chromium",
  "Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
];

/** The places each platform's Chrome or Chromium usually is, most likely first. */
export function chromiumCandidates(platform: NodeJS.Platform = process.platform, home = homedir()): string[] {
  if (platform === "darwin") {
    return [
      ...MAC_APPS.map((app) => join("/Applications", app)),
      ...MAC_APPS.map((app) => join(home, "Applications", app)),
    ];
  }
  if (platform === "linux") {
    return [
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      "/usr/bin/google-chrome",
      "/usr/bin/google-chrome-stable",
    ];
  }
  return [];
}

/**
 * The browser binary to drive, or an Error saying what to do. CHROMIUM_PATH wins,
 * and must exist when set (a typo should not silently fall back to another browser).
 */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = existsSync,
): string | Error {
  const override = env.CHROMIUM_PATH?.trim();
  if (override) {
    return exists(override)
      ? override
      : new Error(`CHROMIUM_PATH is set to ${override}, which does not exist.`);
  }
  const candidates = chromiumCandidates(platform);
  const found = candidates.find((path) => exists(path));
  if (found) return found;
  const how =
    platform === "darwin"
      ? "install Google Chrome (or Chromium) in /Applications"
      : platform === "linux"
        ? "run `sudo apt-get install -y chromium` (scripts/ensure-chromium.sh does it when it may)"
        : "install Chrome or Chromium";
  return new Error(
    `No Chrome or Chromium found for the browser tests (looked at ${candidates.join(", ") || "no standard place on this platform"}): ${how}, or set CHROMIUM_PATH to the browser's binary.`,
  );
}

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: BrowserContextOptions = {}): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath instanceof Error) throw executablePath;
  const profile = mkdtempSync(join(tmpdir(), "log-service-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      timeout: 60_000,
      acceptDownloads: true,
      ...options,
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

/** What a page did that a test should fail on: script errors, CSP violations, dialogs. */
export interface PageWatch {
  problems: string[];
  dialogs: string[];
}

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { problems: [], dialogs: [] };
  page.on("pageerror", (err) => watch.problems.push(`uncaught: ${err.message}`));
  page.on("console", (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) watch.problems.push(`CSP: ${msg.text()}`);
  });
  page.on("dialog", (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return watch;
}
