/**
 * The log viewer in a real browser: headless Chromium (playwright-core) against
 * log-worker under `wrangler dev`, which serves the viewer as Workers Static
 * Assets and answers `GET /debug/logs`. Each test opens a new tab, so
 * sessionStorage (where the page keeps the key) starts empty. Every wait is for
 * a condition, with a timeout; afterEach fails the test on any script error,
 * CSP violation or dialog the page produced.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { type Stack, startStack, TEST_API_KEY, TEST_INGEST_KEY, TEST_READ_KEY } from "../e2e/stack";
import { type Browser, launchChromium, type PageWatch, watchPage } from "./chromium";
import {
  BERLIN,
  CORRELATED,
  type Entry,
  localInput,
  newestFirst,
  RECENT,
  SCROLL_COUNT,
  SCROLL_PATH,
  SEED,
  SEEDED,
  within,
} from "./viewer-data";

const LEVELS = ["debug", "info", "warn", "error", "fatal"];
const WAIT = { timeout: 15_000, interval: 100 };
/** Longer than the page's live-mode poll interval (3 s). */
const POLL_WINDOW_MS = 4_000;

let stack: Stack;
let browser: Browser;
let page: Page;
/** What every page of the current test did; afterEach fails on any problem. */
let watches: PageWatch[] = [];
let opened: Page[] = [];

async function newPage(): Promise<Page> {
  page = await browser.context.newPage();
  opened.push(page);
  watches.push(watchPage(page));
  return page;
}

async function post(entries: Entry | Entry[]): Promise<void> {
  const res = await stack.admin("/log", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(entries),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** A new tab (empty sessionStorage) on `path`; enters `key` when one is given. */
async function open(path = "/", key: string | null = TEST_API_KEY): Promise<Page> {
  await newPage();
  await page.goto(stack.logWorker.url + path);
  if (key !== null) await enterKey(key);
  return page;
}

async function enterKey(key: string): Promise<void> {
  const input = page.getByLabel("API key", { exact: true });
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(key);
  await input.press("Enter");
}

const rows = () => page.locator("#rows tr.entry");
const row = (text: string) => page.locator("#rows tr.entry", { hasText: text });
const texts = (selector: string) => page.locator(`#rows tr.entry ${selector}`).allTextContents();
const param = (name: string) => new URL(page.url()).searchParams.get(name);

async function expectRows(count: number): Promise<void> {
  await expect.poll(() => rows().count(), WAIT).toBe(count);
}

/** The /debug/logs requests the page makes from now on, as URLs. */
function searches(): URL[] {
  const seen: URL[] = [];
  page.on("request", (req: Request) => {
    const url = new URL(req.url());
    if (url.pathname === "/debug/logs") seen.push(url);
  });
  return seen;
}

describe("log viewer in Chromium", () => {
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium({
      timezoneId: BERLIN,
      colorScheme: "light",
      viewport: { width: 1280, height: 860 },
    });
    for (const batch of SEED) await post(batch);
  });

  afterEach(async () => {
    const seen = watches;
    watches = [];
    for (const p of opened) await p.close();
    opened = [];
    expect(seen.flatMap((w) => w.problems)).toEqual([]);
    expect(seen.flatMap((w) => w.dialogs)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("is served as static assets with a strict CSP, while the API routes reach the worker", async () => {
    const home = await fetch(`${stack.logWorker.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(home.headers.get("Content-Security-Policy")).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(home.headers.get("X-Frame-Options")).toBe("DENY");
    const html = await home.text();
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    const script = await fetch(`${stack.logWorker.url}/app.js`);
    expect(script.headers.get("Content-Type")).toMatch(/^(text|application)\/javascript/);
    expect(await script.text()).toContain("/debug/logs");
    // The headers file configures the assets; it is not one.
    expect((await fetch(`${stack.logWorker.url}/_headers`)).status).toBe(404);

    const api = await fetch(`${stack.logWorker.url}/debug/logs`);
    expect(api.status).toBe(401);
    expect(api.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(api.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const unknown = await fetch(`${stack.logWorker.url}/ui/app.js`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("the viewer's sources never turn strings into HTML", () => {
    const dir = join(ROOT, "packages", "log-worker", "ui", "src");
    for (const name of readdirSync(dir)) {
      const source = readFileSync(join(dir, name), "utf8");
      expect(source, name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      );
    }
  });

  it("asks for the key, then lists the last 24 hours newest first, with local times and the entry as JSON", async () => {
    await open("/", null);
    await expect.poll(() => page.locator("#key-panel").isVisible(), WAIT).toBe(true);
    expect(await page.locator("#filters").isVisible()).toBe(false);
    const seen = searches();
    await enterKey(TEST_API_KEY);
    await expectRows(RECENT.length);
    expect(await texts(".c-message")).toEqual(newestFirst(RECENT).map((e) => e.message));
    // One request for the default range: 24 hours up to now.
    const first = seen[0];
    expect(first?.searchParams.get("limit")).toBe("100");
    const span =
      Date.parse(String(first?.searchParams.get("until"))) -
      Date.parse(String(first?.searchParams.get("since")));
    expect(span).toBe(24 * 3_600_000);

    const slow = row("slow upstream");
    expect(await slow.locator(".badge").textContent()).toBe("warn");
    expect(await slow.locator(".badge").getAttribute("class")).toContain("lvl-warn");
    expect(await slow.locator(".c-service").textContent()).toBe("api-gateway");
    // Local time in the cell (the browser runs in Berlin), UTC on hover.
    const iso = String(SEEDED.find((e) => e.message.startsWith("slow upstream"))?.timestamp);
    const time = slow.locator("time");
    expect(await time.getAttribute("title")).toBe(iso.replace("T", " ").replace("Z", " UTC"));
    expect(await time.textContent()).toContain(
      `${localInput(Date.parse(iso)).slice(11)}.${iso.slice(20, 23)}`,
    );

    // Keyboard: the row's toggle expands it to the full, pretty-printed JSON.
    await slow.locator("button.toggle").focus();
    await page.keyboard.press("Enter");
    const detail = page.locator("#rows tr.detail pre");
    await detail.waitFor({ timeout: 5_000 });
    expect(JSON.parse((await detail.textContent()) ?? "")).toMatchObject({
      level: "warn",
      upstream: "users-db",
      ms: 812,
      id: expect.any(String),
    });
    expect(await detail.textContent()).toContain('\n  "ms": 812');

    // The key lives in this tab's sessionStorage only; no cookie is set.
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(["log-viewer.api-key"]);
    expect(await browser.context.cookies()).toEqual([]);
  });

  it("says when the key is wrong, forgets it and asks again", async () => {
    await open("/", "not-the-key");
    const error = page.locator("#key-error");
    await expect.poll(() => error.textContent(), WAIT).toContain("refused the key");
    expect(await page.getByLabel("API key", { exact: true }).isVisible()).toBe(true);
    expect(await rows().count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await enterKey(TEST_API_KEY);
    await expectRows(RECENT.length);
    await page.getByRole("button", { name: "Forget key" }).click();
    await expect.poll(() => page.getByLabel("API key", { exact: true }).isVisible(), WAIT).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await rows().count()).toBe(0);
  });

  it("the time-range picker: presets and a custom window each show exactly their entries", async () => {
    await open("/");
    await expectRows(RECENT.length);

    await page.getByText("1 h", { exact: true }).click();
    await expect.poll(() => param("range"), WAIT).toBe("1h");
    await expectRows(within(3_600_000).length);
    expect(await row("nightly report").count()).toBe(0);

    await page.getByText("7 d", { exact: true }).click();
    await expectRows(within(7 * 86_400_000).length);
    expect(await row("nightly report").count()).toBe(1);
    expect(await row("first attempt").count()).toBe(1);

    // Custom: starts as the window shown, then edited (local time) down to 2 h 40 min .. 3 h 20 min ago.
    await page.getByText("Custom", { exact: true }).click();
    await expect.poll(() => param("range"), WAIT).toBe("custom");
    const since = Date.now() - 200 * 60_000;
    const until = Date.now() - 160 * 60_000;
    await page.getByLabel("From", { exact: true }).fill(localInput(since));
    await page.getByLabel("To", { exact: true }).fill(localInput(until));
    await page.getByRole("button", { name: "Apply" }).click();
    await expectRows(1);
    expect(await texts(".c-message")).toEqual(["nightly report: 0 failures"]);
    expect(Date.parse(String(param("since")))).toBe(Math.floor(since / 1000) * 1000);
    expect(Date.parse(String(param("until")))).toBe(Math.floor(until / 1000) * 1000);
  });

  it("scrolling follows the cursor: the next page loads when the end of the table comes into view", async () => {
    await open(SCROLL_PATH);
    const seen = searches();
    await expectRows(100);
    expect(await page.locator("#facets-note").textContent()).toContain("loaded so far");
    expect(await page.locator("#summary").textContent()).toContain("scroll down");
    await page.locator("#sentinel").scrollIntoViewIfNeeded();
    await expectRows(SCROLL_COUNT);
    expect(seen.some((url) => url.searchParams.get("cursor"))).toBe(true);
    // Newest first across the page boundary, each entry once.
    const numbers = (await texts(".c-message")).map((m) => Number(m.replace("scroll entry ", "")));
    expect(numbers).toEqual(Array.from({ length: SCROLL_COUNT }, (_, i) => SCROLL_COUNT - 1 - i));
    expect(await page.locator("#facets-note").textContent()).toBe(
      `Counts of all ${SCROLL_COUNT} matching entries.`,
    );
    expect(await page.locator("#more").isVisible()).toBe(false);
  });

  it("level and service facets count the loaded entries; clicking one filters, and the URL follows", async () => {
    await open("/");
    await expectRows(RECENT.length);
    const count = async (list: string, value: string) =>
      page.locator(`#facet-${list} button[data-value="${value}"] .count`).textContent();
    for (const level of LEVELS) {
      expect(await count("level", level), level).toBe(String(RECENT.filter((e) => e.level === level).length));
    }
    const billing = RECENT.filter((e) => e.service === "billing");
    expect(await count("service", "billing")).toBe(String(billing.length));
    expect(await page.locator("#facets-note").textContent()).toBe(
      `Counts of all ${RECENT.length} matching entries.`,
    );

    await page.locator('#facet-service button[data-value="billing"]').click();
    await expectRows(billing.length);
    expect(param("service")).toBe("billing");
    expect(
      await page.locator('#facet-service button[data-value="billing"]').getAttribute("aria-pressed"),
    ).toBe("true");
    await page.locator('#facet-level button[data-value="error"]').click();
    await expectRows(billing.filter((e) => LEVELS.indexOf(e.level) >= 3).length);
    expect(param("level")).toBe("error");
  });

  it("clicking a request id shows every entry of that request, across services and days; Back returns", async () => {
    await open("/?service=billing");
    const billing = RECENT.filter((e) => e.service === "billing");
    await expectRows(billing.length);
    await row("charge failed").getByRole("button", { name: CORRELATED }).click();
    const request = SEEDED.filter((e) => e.requestId === CORRELATED);
    await expectRows(request.length);
    // One of them is two days old: outside the 24 hours shown before.
    expect(await row("first attempt").count()).toBe(1);
    expect(new Set(await texts(".c-service"))).toEqual(new Set(["api-gateway", "auth-worker", "billing"]));
    expect(param("requestId")).toBe(CORRELATED);
    expect(param("service")).toBeNull();
    expect(param("range")).toBe("custom");
    const span = Date.parse(String(param("until"))) - Date.parse(String(param("since")));
    expect(span).toBeGreaterThanOrEqual(14 * 86_400_000);
    expect(await page.getByLabel("Request ID").inputValue()).toBe(CORRELATED);

    await page.goBack();
    await expectRows(billing.length);
    expect(await page.getByLabel("Service").inputValue()).toBe("billing");
  });

  it("exports every entry of the query as NDJSON, beyond what is loaded", async () => {
    await open(SCROLL_PATH);
    await expectRows(100);
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 15_000 }),
      page.getByRole("button", { name: "Export NDJSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^logs_.+\.ndjson$/);
    const text = readFileSync(await download.path(), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Entry);
    expect(lines).toHaveLength(SCROLL_COUNT);
    expect(lines.map((e) => e.message)).toEqual(
      Array.from({ length: SCROLL_COUNT }, (_, i) => `scroll entry ${SCROLL_COUNT - 1 - i}`),
    );
    expect(lines[0]).toMatchObject({
      service: "scroll-test",
      id: expect.any(String),
      receivedAt: expect.any(String),
    });
    await expect
      .poll(() => page.locator("#action-status").textContent(), WAIT)
      .toContain(`Exported ${SCROLL_COUNT} entries`);
    // The table kept what it had.
    expect(await rows().count()).toBe(100);
  });

  it("the volume chart has a bounded number of buckets; entries at 1970 and 9999 do not break the page", async () => {
    await open("/");
    await expectRows(RECENT.length);
    const buckets = async () => Number(await page.locator("#chart-svg").getAttribute("data-buckets"));
    expect(await buckets()).toBeLessThanOrEqual(61);
    const totals = LEVELS.map((level) => `${RECENT.filter((e) => e.level === level).length} ${level}`);
    expect(await page.locator("#chart-svg").getAttribute("aria-label")).toContain(totals.join(", "));

    // Everything from 1970 to the end of 9999: the extremes included.
    await page.goto(
      `${stack.logWorker.url}/?range=custom&since=1970-01-01T00:00:00.000Z&until=9999-12-31T23:59:59.999Z&service=edge`,
    );
    await expectRows(2);
    expect(await texts(".c-message")).toEqual(["at the end of time", "at the epoch"]);
    expect(await row("end of time").locator("time").getAttribute("title")).toBe(
      "9999-12-31 23:59:59.000 UTC",
    );
    expect(await row("at the epoch").locator("time").getAttribute("title")).toBe(
      "1970-01-01 00:00:00.000 UTC",
    );
    expect(await buckets()).toBeLessThanOrEqual(61);
    expect(await buckets()).toBeGreaterThan(1);
    expect(await page.locator("#chart-svg g.bucket[data-count='1']").count()).toBe(2);
    expect(await page.locator("#notice").isVisible()).toBe(false);

    // A bar is a way in: clicking the last one zooms into its bucket.
    await page.locator("#chart-svg g.bucket[data-count='1']").last().click();
    await expectRows(1);
    expect(await texts(".c-message")).toEqual(["at the end of time"]);
  });

  it("shows log content as text: markup in a message, service or request id is never HTML", async () => {
    const hostile = SEEDED.find((e) => e.service === "<b>svc</b>") as Entry;
    await open(`/?q=${encodeURIComponent("onerror")}`);
    await expectRows(1);
    const hit = rows().first();
    expect(await hit.locator(".c-message").textContent()).toBe(hostile.message);
    expect(await hit.locator(".c-service").textContent()).toBe(hostile.service);
    expect(await hit.locator(".c-request").textContent()).toBe(hostile.requestId);
    expect(await page.locator("#rows img, #rows b, #rows svg, #rows script, #facets b").count()).toBe(0);
    expect(await page.locator(`#facet-service button[data-value="${hostile.service}"]`).count()).toBe(1);

    await hit.locator("button.toggle").click();
    const detail = page.locator("#rows tr.detail pre");
    await detail.waitFor({ timeout: 5_000 });
    expect(JSON.parse((await detail.textContent()) ?? "")).toMatchObject(hostile);
    expect(await detail.textContent()).toContain('"note": "<script>alert(3)</script>"');

    await hit.getByRole("button", { name: String(hostile.requestId) }).click();
    await expect.poll(() => param("requestId"), WAIT).toBe(hostile.requestId);
    await expectRows(1);
    expect(await page.locator("#rows img, #rows svg").count()).toBe(0);
  });

  it("the URL round trip: what the controls set is in the URL, and the URL opens the same view", async () => {
    await open("/");
    await expectRows(RECENT.length);
    await page.getByText("1 h", { exact: true }).click();
    await page.getByLabel("Minimum level").selectOption("warn");
    await page.getByLabel("Service").fill("auth-worker");
    await page.getByLabel("Message contains").fill("LOGINS");
    await page.getByRole("button", { name: "Apply" }).click();
    const expected = RECENT.filter(
      (e) => e.service === "auth-worker" && LEVELS.indexOf(e.level) >= 2 && /logins/i.test(e.message),
    );
    await expectRows(expected.length);
    const search = new URL(page.url()).search;
    expect(Object.fromEntries(new URLSearchParams(search))).toEqual({
      range: "1h",
      level: "warn",
      service: "auth-worker",
      q: "LOGINS",
    });
    const shown = await texts(".c-message");

    await page.close();
    await open(`/${search}`);
    await expectRows(expected.length);
    expect(await texts(".c-message")).toEqual(shown);
    expect(await page.locator("#range-1h").isChecked()).toBe(true);
    expect(await page.getByLabel("Minimum level").inputValue()).toBe("warn");
    expect(await page.getByLabel("Service").inputValue()).toBe("auth-worker");
    expect(await page.getByLabel("Message contains").inputValue()).toBe("LOGINS");
  });

  it("says when log-worker cannot be reached, and recovers on Retry", async () => {
    await newPage();
    await page.route(/\/debug\/logs/, (route) => route.abort("connectionrefused"));
    await page.goto(stack.logWorker.url);
    await enterKey(TEST_API_KEY);
    const notice = page.locator("#notice");
    await expect.poll(() => notice.textContent(), WAIT).toContain("Cannot reach log-worker");
    await page.unroute(/\/debug\/logs/);
    await notice.getByRole("button", { name: "Retry" }).click();
    await expectRows(RECENT.length);
    expect(await notice.isVisible()).toBe(false);
  });

  it("a read key lists the logs, but Archive now answers 403: the button is disabled and says why", async () => {
    await newPage();
    const flushes: number[] = [];
    page.on("response", (res) => {
      if (new URL(res.url()).pathname === "/flush") flushes.push(res.status());
    });
    await page.goto(stack.logWorker.url);
    await enterKey(TEST_READ_KEY);
    await expectRows(RECENT.length);
    const button = page.getByRole("button", { name: "Archive now" });
    await button.click();
    const status = page.locator("#action-status");
    await expect.poll(() => status.textContent(), WAIT).toContain("can read logs but not archive them");
    expect(await status.textContent()).toContain("403 forbidden");
    expect(await button.isDisabled()).toBe(true);
    // Still so after a reload of the page in this tab; reading still works; nothing was archived.
    await page.reload();
    await expectRows(RECENT.length);
    expect(await button.isDisabled()).toBe(true);
    expect(flushes).toEqual([403]);
    const kv = await (await stack.admin("/debug/kv-logs?limit=1000")).json();
    expect(kv.logs.length).toBeGreaterThan(0);
  });

  it("a key that may only send logs is refused for reading: the page asks for another key", async () => {
    await open("/", TEST_INGEST_KEY);
    const error = page.locator("#key-error");
    await expect.poll(() => error.textContent(), WAIT).toContain("may not read logs");
    expect(await error.textContent()).toContain("403 forbidden");
    expect(await page.getByLabel("API key", { exact: true }).isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("fits a phone screen (375 px): no sideways scrolling, entries as cards", async () => {
    await newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(stack.logWorker.url);
    await enterKey(TEST_API_KEY);
    await expectRows(RECENT.length);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.locator("#logs thead").isVisible()).toBe(false);
  });

  it("renders the screenshot (docs/viewer.png): several levels, the chart, facets and an expanded entry", async () => {
    await open("/?range=1h");
    await expectRows(within(3_600_000).length);
    for (const level of LEVELS) {
      expect(await page.locator(`#chart-svg rect.lvl-${level}`).count(), level).toBeGreaterThan(0);
    }
    await row("charge failed").locator("button.toggle").click();
    await page.locator("#rows tr.detail").waitFor({ timeout: 5_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    // The committed screenshot is refreshed on request (UPDATE_SCREENSHOT=1), so a test run leaves the tree clean.
    const dir =
      process.env.UPDATE_SCREENSHOT === "1" ? join(ROOT, "docs") : join(tmpdir(), "log-service-browser");
    mkdirSync(dir, { recursive: true });
    const shot = await page.screenshot({ path: join(dir, "viewer.png") });
    expect(shot.byteLength).toBeGreaterThan(10_000);
  });

  // Near the end: it adds entries to the last minutes.
  it("live tail: a newly POSTed entry appears without reload, once; polling pauses while the tab is hidden", async () => {
    await open("/?service=live-test");
    const status = page.locator("#live-status");
    await expect.poll(() => page.locator("#empty").textContent(), WAIT).toContain("No entries match");
    await page.getByRole("checkbox", { name: "Live" }).check();
    expect(param("live")).toBe("1");
    const polls = async () => Number(await status.getAttribute("data-polls"));

    const first = `live entry ${crypto.randomUUID()}`;
    await post({ level: "error", service: "live-test", message: first, requestId: "req-live-1" });
    await expect.poll(() => row(first).count(), WAIT).toBe(1);
    expect(await row(first).locator(".badge").textContent()).toBe("error");
    const after = await polls();
    await expect.poll(polls, WAIT).toBeGreaterThanOrEqual(after + 2);
    await expectRows(1);

    // Hidden tab: right after a poll (none in flight), hide it; no request may follow.
    const seen = searches();
    const before = await polls();
    await expect.poll(polls, WAIT).toBeGreaterThan(before);
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    expect(await status.textContent()).toContain("paused");
    const second = `live entry ${crypto.randomUUID()}`;
    await post({ level: "info", service: "live-test", message: second });
    const pausedAt = seen.length;
    await page.waitForTimeout(POLL_WINDOW_MS);
    expect(seen.length, "/debug/logs requests while the tab was hidden").toBe(pausedAt);
    expect(await row(second).count()).toBe(0);

    await page.evaluate(() => {
      delete (document as { visibilityState?: string }).visibilityState;
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect.poll(() => row(second).count(), WAIT).toBe(1);
    await expectRows(2);
    // A live poll asks only for what is newer than the newest shown (less a minute's margin).
    const poll = seen.at(-1);
    expect(poll?.searchParams.get("order")).toBe("asc");
    expect(Date.parse(String(poll?.searchParams.get("since")))).toBeGreaterThan(Date.now() - 5 * 60_000);

    await page.getByRole("checkbox", { name: "Live" }).uncheck();
    expect(await status.textContent()).toBe("Live off");
    expect(param("live")).toBeNull();
  });

  // Last: /flush moves every waiting entry to R2.
  it("Archive now runs the archive; the search then finds the same entries in R2", async () => {
    await open("/?service=billing");
    const billing = RECENT.filter((e) => e.service === "billing");
    await expectRows(billing.length);
    await page.getByRole("button", { name: "Archive now" }).click();
    await expect
      .poll(() => page.locator("#action-status").textContent(), WAIT)
      .toMatch(/^Archived \d+ entries/);
    await expectRows(billing.length);
    const kv = await (await stack.admin("/debug/kv-logs?service=billing")).json();
    expect(kv.logs).toEqual([]);
    // Correlation after the archive: the request's entries from both days, now all in R2.
    await row("charge failed").getByRole("button", { name: CORRELATED }).click();
    await expectRows(SEEDED.filter((e) => e.requestId === CORRELATED).length);
  });
});
