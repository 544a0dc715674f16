/** What the viewer's browser tests log before they start, and what they expect from it. */

export type Entry = Record<string, unknown> & { level: string; message: string; timestamp?: string };

export const BERLIN = "Europe/Berlin";
export const CORRELATED = "req-7f3c9a";
export const SCROLL_COUNT = 150;

const NOW = Date.now();
export const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();

/** Traffic of the last 40 minutes (one batch per request and worker, as the client sends it), a little older, and the extremes. */
export const SEED: Entry[][] = [
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
      timestamp: ago(37.9),
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
  // One request through three workers, each sending its own batch; it began two days ago.
  [
    {
      level: "warn",
      service: "billing",
      message: "first attempt: card declined, retry in 2 days",
      requestId: CORRELATED,
      timestamp: ago(2 * 1440),
    },
  ],
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
      timestamp: ago(18.99),
    },
  ],
  [
    {
      level: "error",
      service: "billing",
      message: "charge failed: card processor timed out after 1200 ms",
      requestId: CORRELATED,
      err: { name: "TimeoutError", message: "upstream timeout" },
      timestamp: ago(18.98),
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
  // Markup in every field a producer controls: it must show as text.
  [
    {
      level: "warn",
      service: "<b>svc</b>",
      message: "<img src=x onerror=alert(1)>",
      requestId: '"><svg onload=alert(2)>',
      note: "<script>alert(3)</script>",
      timestamp: ago(70),
    },
  ],
  [{ level: "info", service: "reports", message: "nightly report: 0 failures", timestamp: ago(180) }],
  // The earliest and latest timestamps the service accepts.
  [
    { level: "fatal", service: "edge", message: "at the end of time", timestamp: "9999-12-31T23:59:59.000Z" },
    { level: "debug", service: "edge", message: "at the epoch", timestamp: "1970-01-01T00:00:00.000Z" },
  ],
  // More than one page, ten days ago.
  Array.from({ length: SCROLL_COUNT }, (_, i) => ({
    level: "info",
    service: "scroll-test",
    message: `scroll entry ${i}`,
    timestamp: new Date(NOW - 10 * 86_400_000 + i * 1000).toISOString(),
  })),
];
export const SEEDED = SEED.flat();

/** The seeded entries whose timestamp lies in the last `ms` (now included). */
export function within(ms: number): Entry[] {
  const now = Date.now();
  return SEEDED.filter((e) => {
    const t = Date.parse(String(e.timestamp));
    return t >= now - ms && t <= now;
  });
}

/** What the default view (the last 24 hours) holds. */
export const RECENT = within(24 * 3_600_000);

/** The scroll-test entries' day, as a custom range. */
export const SCROLL_PATH = `/?range=custom&since=${new Date(NOW - 11 * 86_400_000).toISOString()}&until=${new Date(NOW - 9 * 86_400_000).toISOString()}&service=scroll-test`;

/** Newest first, as the viewer lists them (the seed has no two entries at one instant). */
export function newestFirst(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => Date.parse(String(b.timestamp)) - Date.parse(String(a.timestamp)));
}

/** A datetime-local value for an instant, in Berlin time (where the test browser runs). */
export function localInput(t: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: BERLIN,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(t))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}
