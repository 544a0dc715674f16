/**
 * Headless Chromium for the browser tests: the system's binary (Debian package
 * `chromium`) driven by playwright-core, in a fresh profile, with the background
 * services off (they would otherwise keep calling out of this closed network).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";

/** Override with CHROMIUM_PATH (e.g. Google Chrome on a laptop). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

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
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "log-service-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ARGS,
      timeout: 60_000,
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
