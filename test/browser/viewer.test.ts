/**
 * The log viewer in a real browser: headless Chromium (playwright-core) against
 * log-worker under `wrangler dev`. Each test opens a new tab, so sessionStorage
 * (where the page keeps the key) starts empty. Every wait is for a condition,
 * with a timeout; afterEach fails the test on any script error, CSP violation
 * or dialog the page produced.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Route } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/wrangler-dev.mjs";
import { type Stack, startStack, TEST_API_KEY } from "../e2e/stack";
import { type Browser, launchChromium, type PageWatch, watchPage } from "./chromium";

type Entry = Record<string, unknown> & { level: string; message: string };

const LEVELS = ["debug", "info", "warn", "error", "fatal"];
const WAIT = { timeout: 15_000, interval: 100 };
/** Longer than the page's live-mode poll interval (3 s). */
const POLL_WINDOW_MS = 4_000;
const TIME_ZONE = "Europe/Berlin";

const NOW = Date.now();
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
const CORRELATED = "req-7f3c9a";

/** Traffic of the last 40 minutes, one batch per request and worker, as the client sends it. */
const SEED: Entry[][] = [
  [
    {
      level: "info",
      service: "api-gateway",
      message: "GET /v1/users/4812 200 (14 ms)",
      requestId: "req-1a2b3c",
      timestamp: ago(38),
    },
    {
      level: "debug",
      service: "api-gateway",
      message: "cache hit users:4812",
      requestId: "req-1a2b3c",
      timestamp: ago(38),
    },
  ],
  [
    {
      level: "info",
      service: "auth-worker",
      message: "POST /login 200",
      requestId: "req-2c3d4e",
      userId: 4812,
      timestamp: ago(35),
    },
  ],
  [
    {
      level: "warn",
      service: "api-gateway",
      message: "slow upstream: users-db answered in 812 ms",
      requestId: "req-3d4e5f",
      upstream: "users-db",
      ms: 812,
      timestamp: ago(31),
    },
  ],
  [
    {
      level: "debug",
      service: "auth-worker",
      message: "token refreshed",
      requestId: "req-4e5f60",
      timestamp: ago(27),
    },
  ],
  Array.from({ length: 6 }, (_, i) => ({
    level: "info",
    service: "api-gateway",
    message: `GET /v1/products?page=${i + 1} 200 (${8 + i * 3} ms)`,
    requestId: `req-5f60${i}1`,
    timestamp: ago(23 - i * 0.3),
  })),
  // One request through three workers: each sends its own batch.
  [
    {
      level: "info",
      service: "api-gateway",
      message: "POST /v1/checkout 502 (1204 ms)",
      requestId: CORRELATED,
      timestamp: ago(19),
    },
  ],
  [
    {
      level: "info",
      service: "auth-worker",
      message: "token verified for user 4812",
      requestId: CORRELATED,
      timestamp: ago(19),
    },
  ],
  [
    {
      level: "error",
      service: "billing",
      message: "charge failed: card processor timed out after 1200 ms",
      requestId: CORRELATED,
      err: { name: "TimeoutError", message: "upstream timeout" },
      timestamp: ago(19),
    },
  ],
  [
    {
      level: "warn",
      service: "auth-worker",
      message: "3 failed logins for user 77 in 60 s",
      requestId: "req-8a9b0c",
      timestamp: ago(14),
    },
  ],
  [
    {
      level: "info",
      service: "billing",
      message: "invoice 2026-0193 sent",
      requestId: "req-9b0c1d",
      timestamp: ago(9),
    },
  ],
  [
    {
      level: "fatal",
      service: "billing",
      message: "ledger write failed after 3 retries; giving up",
      requestId: "req-0c1d2e",
      timestamp: ago(5),
    },
  ],
  [
    { level: "info", service: "api-gateway", message: "GET /health 200 (1 ms)", timestamp: ago(2) },
    { level: "debug", service: "api-gateway", message: "config reloaded", timestamp: ago(1) },
  ],
];
const SEEDED = SEED.flat();

let stack: Stack;
let browser: Browser;
let page: Page;
/** What every page of the current test did; afterEach fails on any problem. */
let watches: PageWatch[] = [];
let opened: Page[] = [];

/** A new tab (empty sessionStorage), watched. */
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

/** Waits until the table shows exactly `count` rows. */
async function expectRows(count: number): Promise<void> {
  await expect.poll(() => rows().count(), WAIT).toBe(count);
}

describe("log viewer in Chromium", () => {
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium({
      timezoneId: TIME_ZONE,
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

  it("asks for the key, then lists the posted entries, newest first, with local times and level badges", async () => {
    await open("/", null);
    await expect.poll(() => page.locator("#key-panel").isVisible(), WAIT).toBe(true);
    expect(await page.locator("#filters").isVisible()).toBe(false);
    await enterKey(TEST_API_KEY);
    await expectRows(SEEDED.length);

    expect(await texts(".c-message")).toEqual(
      // Newest first; within one instant, the later arrival first.
      SEEDED.map((e, i) => ({ e, i, t: Date.parse(String(e.timestamp)) }))
        .sort((a, b) => b.t - a.t || b.i - a.i)
        .map(({ e }) => e.message),
    );
    const slow = row("slow upstream");
    const badge = slow.locator(".badge");
    expect(await badge.textContent()).toBe("warn");
    expect(await badge.getAttribute("class")).toContain("lvl-warn");
    expect(await slow.locator(".c-service").textContent()).toBe("api-gateway");
    expect(await slow.locator(".c-request").textContent()).toBe("req-3d4e5f");

    // Local time in the cell (the browser runs in Berlin), UTC on hover.
    const iso = String(SEEDED.find((e) => e.message.startsWith("slow upstream"))?.timestamp);
    const time = slow.locator("time");
    expect(await time.getAttribute("title")).toBe(iso.replace("T", " ").replace("Z", " UTC"));
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone: TIME_ZONE,
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).format(new Date(iso));
    expect(await time.textContent()).toContain(`${local}.${iso.slice(20, 23)}`);

    // Keyboard: the row's toggle expands it to the full, pretty-printed JSON.
    await slow.locator("button.toggle").focus();
    await page.keyboard.press("Enter");
    const detail = page.locator("#rows tr.detail pre");
    await detail.waitFor({ timeout: 5_000 });
    const json = JSON.parse((await detail.textContent()) ?? "");
    expect(json).toMatchObject({ level: "warn", upstream: "users-db", ms: 812, id: expect.any(String) });
    expect(await detail.textContent()).toContain('\n  "ms": 812');
    expect(await slow.locator("button.toggle").getAttribute("aria-expanded")).toBe("true");

    // The key lives in this tab's sessionStorage only; no cookie is set.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await browser.context.cookies()).toEqual([]);
  });

  it("renders the screenshot (docs/viewer.png): entries of several levels, the volume chart and an expanded entry", async () => {
    await open();
    await expectRows(SEEDED.length);
    await page.locator("#chart svg rect.bar").first().waitFor({ timeout: 5_000 });
    for (const level of LEVELS) {
      expect(await page.locator(`#chart-svg rect.lvl-${level}`).count(), level).toBeGreaterThan(0);
    }
    const totals = LEVELS.map((level) => `${SEEDED.filter((e) => e.level === level).length} ${level}`);
    expect(await page.locator("#chart-svg").getAttribute("aria-label")).toMatch(
      new RegExp(`^Log volume per 1 min, .+: ${totals.join(", ")}$`),
    );
    await row("charge failed").locator("button.toggle").click();
    await page.locator("#rows tr.detail").waitFor({ timeout: 5_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    // The committed screenshot is refreshed on request (UPDATE_SCREENSHOT=1 npm test),
    // so an ordinary test run leaves the working tree clean.
    const dir =
      process.env.UPDATE_SCREENSHOT === "1" ? join(ROOT, "docs") : join(tmpdir(), "log-service-browser");
    mkdirSync(dir, { recursive: true });
    const shot = await page.screenshot({ path: join(dir, "viewer.png") });
    expect(shot.byteLength).toBeGreaterThan(10_000);
  });

  it("says when the key is wrong, forgets it and asks again", async () => {
    await open("/", "not-the-key");
    const error = page.locator("#key-error");
    await expect.poll(() => error.textContent(), WAIT).toContain("invalid_api_key");
    expect(await error.textContent()).toContain("refused the key");
    expect(await page.getByLabel("API key", { exact: true }).isVisible()).toBe(true);
    expect(await rows().count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // The right key then works in the same tab, and "Forget key" drops it again.
    await enterKey(TEST_API_KEY);
    await expectRows(SEEDED.length);
    await page.getByRole("button", { name: "Forget key" }).click();
    await expect.poll(() => page.getByLabel("API key", { exact: true }).isVisible(), WAIT).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await rows().count()).toBe(0);
  });

  it("filters by minimum level and service, and the URL carries the filters", async () => {
    await open();
    await expectRows(SEEDED.length);
    await page.getByLabel("Minimum level").selectOption("error");
    const severe = SEEDED.filter((e) => LEVELS.indexOf(e.level) >= LEVELS.indexOf("error"));
    await expectRows(severe.length);
    expect(new Set(await texts(".badge"))).toEqual(new Set(["error", "fatal"]));
    expect(new URL(page.url()).searchParams.get("level")).toBe("error");

    // A shared link opens with the same filters applied.
    await page.close();
    await open("/?level=warn&service=auth-worker");
    const expected = SEEDED.filter((e) => e.service === "auth-worker" && LEVELS.indexOf(e.level) >= 2);
    await expectRows(expected.length);
    expect(await texts(".c-message")).toEqual(expected.map((e) => e.message));
    expect(await page.getByLabel("Minimum level").inputValue()).toBe("warn");
    expect(await page.getByLabel("Service").inputValue()).toBe("auth-worker");
  });

  it("clicking a request id shows that request across services; Back returns", async () => {
    await open("/?service=billing");
    await expectRows(SEEDED.filter((e) => e.service === "billing").length);
    await row("charge failed").getByRole("button", { name: CORRELATED }).click();
    const request = SEEDED.filter((e) => e.requestId === CORRELATED);
    await expectRows(request.length);
    expect(new Set(await texts(".c-service"))).toEqual(new Set(["api-gateway", "auth-worker", "billing"]));
    expect(new Set(await texts(".c-request"))).toEqual(new Set([CORRELATED]));
    expect(new URL(page.url()).searchParams.get("requestId")).toBe(CORRELATED);
    expect(new URL(page.url()).searchParams.get("service")).toBeNull();
    expect(await page.getByLabel("Request ID").inputValue()).toBe(CORRELATED);

    await page.goBack();
    await expectRows(SEEDED.filter((e) => e.service === "billing").length);
    expect(await page.getByLabel("Service").inputValue()).toBe("billing");
  });

  it("shows log content as text: markup in a message, service or request id is never HTML", async () => {
    const hostile = {
      level: "warn",
      service: "<b>svc</b>",
      message: "<img src=x onerror=alert(1)>",
      requestId: '"><svg onload=alert(2)>',
      note: "<script>alert(3)</script>",
    };
    await post(hostile);
    await open(`/?q=${encodeURIComponent("onerror")}`);
    await expectRows(1);
    const hit = rows().first();
    expect(await hit.locator(".c-message").textContent()).toBe(hostile.message);
    expect(await hit.locator(".c-service").textContent()).toBe(hostile.service);
    expect(await hit.locator(".c-request").textContent()).toBe(hostile.requestId);
    expect(await page.locator("#rows img, #rows b, #rows svg, #rows script").count()).toBe(0);

    await hit.locator("button.toggle").click();
    const detail = page.locator("#rows tr.detail pre");
    await detail.waitFor({ timeout: 5_000 });
    expect(JSON.parse((await detail.textContent()) ?? "")).toMatchObject(hostile);

    // Correlating by that request id works too (it is only ever a string).
    await hit.getByRole("button", { name: hostile.requestId }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("requestId"), WAIT).toBe(hostile.requestId);
    await expectRows(1);
    expect(await page.locator("#rows img, #rows svg").count()).toBe(0);
    // afterEach: no dialog opened, no script error, no CSP violation.
  });

  it("live mode: a newly POSTed entry appears without reload, once; polling pauses while the tab is hidden", async () => {
    await open("/?service=live-test");
    const status = page.locator("#live-status");
    await expect.poll(() => page.locator("#empty").textContent(), WAIT).toContain("No entries match");
    await page.getByRole("switch", { name: "Live" }).check();
    expect(new URL(page.url()).searchParams.get("live")).toBe("1");
    const polls = async () => Number(await status.getAttribute("data-polls"));

    const first = `live entry ${crypto.randomUUID()}`;
    await post({ level: "error", service: "live-test", message: first, requestId: "req-live-1" });
    await expect.poll(() => row(first).count(), WAIT).toBe(1);
    expect(await row(first).locator(".badge").textContent()).toBe("error");
    // Further polls bring nothing twice.
    const after = await polls();
    await expect.poll(polls, WAIT).toBeGreaterThanOrEqual(after + 2);
    await expectRows(1);

    // Hidden tab: right after a poll (none in flight), hide it; no request may follow.
    let requests = 0;
    page.on("request", (req) => {
      if (req.url().includes("/debug/kv-logs")) requests++;
    });
    const before = await polls();
    await expect.poll(polls, WAIT).toBeGreaterThan(before);
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    expect(await status.textContent()).toContain("paused");
    const second = `live entry ${crypto.randomUUID()}`;
    await post({ level: "info", service: "live-test", message: second });
    const pausedAt = requests;
    await page.waitForTimeout(POLL_WINDOW_MS);
    expect(requests, "kv-logs requests while the tab was hidden").toBe(pausedAt);
    expect(await row(second).count()).toBe(0);

    // Visible again: it resumes at once and the entry that arrived meanwhile shows.
    await page.evaluate(() => {
      delete (document as { visibilityState?: string }).visibilityState;
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect.poll(() => row(second).count(), WAIT).toBe(1);
    await expectRows(2);

    // Off: the switch stops it.
    await page.getByRole("switch", { name: "Live" }).uncheck();
    expect(await status.textContent()).toBe("Live off");
    expect(new URL(page.url()).searchParams.get("live")).toBeNull();
  });

  it("live mode marks as new only what was received since the view opened, not older entries it walks through", async () => {
    await newPage();
    const entry = (id: string, message: string, receivedAt: string) => ({
      id,
      level: "info",
      service: "walk-test",
      message,
      timestamp: receivedAt,
      receivedAt,
    });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    // The first page is not the last: the tail walks on through older waiting entries.
    await page.route(/\/debug\/kv-logs/, (route) => {
      const cursor = new URL(route.request().url()).searchParams.get("cursor");
      const body =
        cursor === null
          ? { logs: [entry("old-1", "older, on the first page", hourAgo)], cursor: "more", tail: "more" }
          : cursor === "more"
            ? {
                logs: [
                  entry("old-2", "older, reached by the tail", hourAgo),
                  entry("new-1", "received just now", new Date().toISOString()),
                ],
                cursor: null,
                tail: "end",
              }
            : { logs: [], cursor: null, tail: "end" };
      return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(body) });
    });
    await page.goto(`${stack.logWorker.url}/?live=1`);
    await enterKey(TEST_API_KEY);
    await expect.poll(() => row("received just now").count(), WAIT).toBe(1);
    expect(await row("received just now").getAttribute("class")).toContain("fresh");
    expect(await row("older, reached by the tail").getAttribute("class")).not.toContain("fresh");
  });

  it("says when log-worker cannot be reached, and recovers on Retry", async () => {
    await newPage();
    await page.route(/\/debug\/kv-logs/, (route) => route.abort("connectionrefused"));
    await page.goto(stack.logWorker.url);
    await enterKey(TEST_API_KEY);
    const notice = page.locator("#notice");
    await expect.poll(() => notice.textContent(), WAIT).toContain("Cannot reach log-worker");
    expect(await rows().count()).toBe(0);
    await page.unroute(/\/debug\/kv-logs/);
    await notice.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => rows().count(), WAIT).toBeGreaterThanOrEqual(SEEDED.length);
    expect(await notice.isVisible()).toBe(false);
  });

  it("archived view, against the /debug/r2-logs and /debug/stats contract (routes mocked in the browser)", async () => {
    await newPage();
    const seen: string[] = [];
    const json = (route: Route, body: unknown) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(body) });
    const object = (name: string, entries: number) => ({
      key: `logs/dt=2026-11-27/${name}.ndjson.gz`,
      size: 2048 * entries,
      uploaded: "2026-11-28T00:00:07.000Z",
      entries,
    });
    await page.route(/\/debug\/r2-logs\?/, (route) => {
      const url = new URL(route.request().url());
      seen.push(`${route.request().headers()["x-api-key"]} list ${url.search}`);
      return url.searchParams.get("cursor") === "page-2"
        ? json(route, { objects: [object("b", 1)], cursor: null })
        : json(route, { objects: [object("a", 2)], cursor: "page-2" });
    });
    await page.route(/\/debug\/r2-logs\/logs\//, (route) => {
      const path = new URL(route.request().url()).pathname;
      seen.push(`${route.request().headers()["x-api-key"]} get ${path}`);
      const lines = [
        {
          id: "arch-1",
          level: "info",
          service: "billing",
          message: "archived one",
          timestamp: "2026-11-27T10:00:00.000Z",
        },
        {
          id: "arch-2",
          level: "error",
          service: "billing",
          message: "archived two",
          timestamp: "2026-11-27T11:00:00.000Z",
        },
      ];
      return route.fulfill({
        status: 200,
        contentType: "application/x-ndjson",
        body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
      });
    });
    await page.route(/\/debug\/stats$/, (route) =>
      json(route, {
        lastRun: {
          trigger: "cron",
          startedAt: "2026-11-28T00:00:00.000Z",
          finishedAt: "2026-11-28T00:00:09.000Z",
          ok: true,
          keys: 12,
          entries: 340,
          objects: 2,
          remaining: false,
        },
      }),
    );

    await page.goto(`${stack.logWorker.url}/?source=r2&date=2026-11-27`);
    await enterKey(TEST_API_KEY);
    const objects = page.locator("#objects li");
    await expect.poll(() => objects.count(), WAIT).toBe(1);
    expect(await page.getByLabel("Day (UTC)").inputValue()).toBe("2026-11-27");
    await expect
      .poll(() => page.locator("#stats").textContent(), WAIT)
      .toContain("340 entries from 12 keys into 2 objects");
    expect(await page.getByRole("switch", { name: "Live" }).isDisabled()).toBe(true);

    await page.getByRole("button", { name: "More objects" }).click();
    await expect.poll(() => objects.count(), WAIT).toBe(2);
    await objects.first().getByRole("button", { name: "Show entries" }).click();
    await expectRows(2);
    expect(await texts(".c-message")).toEqual(["archived two", "archived one"]);
    // Filters apply to archived entries too.
    await page.getByLabel("Minimum level").selectOption("error");
    await expectRows(1);

    expect(seen).toEqual([
      `${TEST_API_KEY} list ?date=2026-11-27&limit=100`,
      `${TEST_API_KEY} list ?date=2026-11-27&limit=100&cursor=page-2`,
      `${TEST_API_KEY} get /debug/r2-logs/logs/dt=2026-11-27/a.ndjson.gz`,
    ]);
  });

  it("archived view degrades to a clear message while the routes are missing; stats hide quietly", async () => {
    await newPage();
    const notImplemented = {
      error: { code: "not_implemented", message: "The archive view is not built yet." },
    };
    await page.route(/\/debug\/r2-logs/, (route) =>
      route.fulfill({ status: 501, contentType: "application/json", body: JSON.stringify(notImplemented) }),
    );
    await page.route(/\/debug\/stats$/, (route) =>
      route.fulfill({ status: 404, contentType: "application/json", body: '{"error":{"code":"not_found"}}' }),
    );
    await page.goto(`${stack.logWorker.url}/?source=r2`);
    await enterKey(TEST_API_KEY);
    await expect
      .poll(() => page.locator("#archive-message").textContent(), WAIT)
      .toContain("not available from this log-worker yet");
    expect(await page.locator("#archive-message").textContent()).toContain("501 not_implemented");
    expect(await page.locator("#stats").isVisible()).toBe(false);
    expect(await page.locator("#notice").isVisible()).toBe(false);

    // Switching back to KV shows the waiting entries.
    await page.getByText("Waiting (KV)").click();
    await expect.poll(() => rows().count(), WAIT).toBeGreaterThanOrEqual(SEEDED.length);
  });

  it("fits a phone screen (375 px): no sideways scrolling, entries as cards", async () => {
    await newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(stack.logWorker.url);
    await enterKey(TEST_API_KEY);
    await expect.poll(() => rows().count(), WAIT).toBeGreaterThanOrEqual(SEEDED.length);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.locator("#logs thead").isVisible()).toBe(false);
    const box = await row("ledger write failed").boundingBox();
    expect(box?.width).toBeLessThanOrEqual(375);
  });

  // Last: /flush moves every waiting entry to R2.
  it("archived view against this log-worker: after /flush it lists the day's objects and shows their entries", async () => {
    const marker = `archived ${crypto.randomUUID()}`;
    const timestamp = new Date().toISOString();
    await post({ level: "warn", service: "archive-test", message: marker, timestamp });
    const flush = await stack.admin("/flush", { method: "POST", headers: { "X-Worker-Request": "true" } });
    expect(flush.status, await flush.clone().text()).toBe(200);

    await open(`/?source=r2&date=${timestamp.slice(0, 10)}&q=${encodeURIComponent(marker)}`);
    const objects = page.locator("#objects li");
    await expect.poll(() => objects.count(), WAIT).toBeGreaterThan(0);
    expect(await page.locator("#archive-message").textContent()).toMatch(/archived objects? for/);
    for (const button of await page.locator("#objects button.show-object").all()) await button.click();
    await expectRows(1);
    expect(await row(marker).locator(".badge").textContent()).toBe("warn");
    expect(await row(marker).locator(".c-service").textContent()).toBe("archive-test");
    await expect
      .poll(() => page.locator("#stats").textContent(), WAIT)
      .toContain("Last archive run (flush) finished");
  });
});
