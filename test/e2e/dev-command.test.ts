/**
 * The README's run command: `npm run dev` (scripts/dev.mjs) starts both workers
 * with the service binding connected, and Ctrl-C stops both, also when it comes
 * while the workers are still starting. Run here on free ports with private
 * state, registry and inspector ports, so it never touches a developer's own
 * `npm run dev`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort, ROOT } from "../../scripts/lib/wrangler-dev.mjs";

const dir = mkdtempSync(join(tmpdir(), "log-service-dev-"));
let dev: ChildProcess | undefined;

afterAll(() => {
  if (dev?.exitCode === null && dev.pid) process.kill(-dev.pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it("npm run dev serves both workers, logs auth-worker's requests into log-worker, and Ctrl-C stops both", async () => {
  const [logPort, authPort, logInspector, authInspector] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  dev = spawn("node", [join(ROOT, "scripts", "dev.mjs")], {
    cwd: ROOT,
    detached: true,
    stdio: "ignore",
    env: {
      ...process.env,
      LOG_WORKER_PORT: String(logPort),
      AUTH_WORKER_PORT: String(authPort),
      LOG_WORKER_INSPECTOR_PORT: String(logInspector),
      AUTH_WORKER_INSPECTOR_PORT: String(authInspector),
      DEV_PERSIST_TO: join(dir, "state"),
      WRANGLER_REGISTRY_PATH: join(dir, "registry"),
    },
  });
  const exited = new Promise<number | null>((resolve) => dev?.on("exit", resolve));
  const logUrl = `http://127.0.0.1:${logPort}`;
  const authUrl = `http://127.0.0.1:${authPort}`;
  await waitFor(`${logUrl}/health`, 90_000);
  await waitFor(`${authUrl}/health`, 90_000);

  // The key is whatever .dev.vars holds (dev.mjs creates it from the example when missing).
  const key = /^LOG_API_KEY=(.*)$/m.exec(readFileSync(join(ROOT, ".dev.vars"), "utf8"))?.[1]?.trim();
  expect(key).toBeTruthy();

  const email = `dev-${crypto.randomUUID()}@example.com`;
  const password = "correct horse battery staple";
  const json = { "Content-Type": "application/json" };
  const register = await fetch(`${authUrl}/register`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email, password }),
  });
  expect(register.status).toBe(201);
  const login = await fetch(`${authUrl}/login`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email, password }),
  });
  expect(login.status).toBe(200);
  const requestId = login.headers.get("X-Request-Id");
  expect(requestId).toBeTruthy();

  let messages: string[] = [];
  await expect
    .poll(
      async () => {
        const res = await fetch(`${logUrl}/debug/kv-logs?requestId=${requestId}`, {
          headers: { "X-API-Key": key ?? "" },
        });
        const body = (await res.json()) as { logs: { message: string }[] };
        messages = body.logs.map((l) => l.message);
        return messages;
      },
      { timeout: 10_000, interval: 200 },
    )
    .toContain("auth.login.success");
  const all = await (
    await fetch(`${logUrl}/debug/kv-logs?limit=1000`, { headers: { "X-API-Key": key ?? "" } })
  ).text();
  expect(all).not.toContain(password);

  // Ctrl-C: both workers stop and the ports close.
  process.kill(dev.pid ?? 0, "SIGINT");
  expect(await exited).toBe(0);
  for (const url of [logUrl, authUrl]) {
    await expect(fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }
}, 180_000);

/** Pids of the live processes whose environment holds `marker` (every descendant inherits it). */
function processesMarked(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "latin1");
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${name}/status`, "latin1"))?.[1];
      if (state !== "Z" && environ.split("\0").includes(`DEV_COMMAND_TEST_MARK=${marker}`)) {
        pids.push(Number(name));
      }
    } catch {} // gone meanwhile, or not ours to read
  }
  return pids;
}

/** Whether nothing listens on the port (we can bind it ourselves). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

// Interrupted while the workers start: wrangler needs several seconds to come
// up, so these signals land while it (or workerd under it) is starting. The
// signal goes to npm alone, as `kill` or a process manager sends it; npm must
// pass it on to scripts/dev.mjs, which must stop every process it started.
const interruptions = (["SIGINT", "SIGTERM"] as const).flatMap((signal) =>
  [1_000, 2_000, 3_000].map((afterMs) => ({ signal, afterMs })),
);
it.skipIf(process.platform !== "linux").each(interruptions)(
  "npm run dev, sent $signal $afterMs ms after start, leaves no process and no port behind",
  async ({ signal, afterMs }) => {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    const [logPort, authPort, logInspector, authInspector] = ports.map(String);
    const marker = crypto.randomUUID();
    const npm = spawn("npm", ["run", "dev"], {
      cwd: ROOT,
      detached: true, // its own process group, so the cleanup below can reach it
      stdio: "ignore",
      env: {
        ...process.env,
        DEV_COMMAND_TEST_MARK: marker,
        LOG_WORKER_PORT: logPort,
        AUTH_WORKER_PORT: authPort,
        LOG_WORKER_INSPECTOR_PORT: logInspector,
        AUTH_WORKER_INSPECTOR_PORT: authInspector,
        DEV_PERSIST_TO: join(dir, `state-${marker}`),
        WRANGLER_REGISTRY_PATH: join(dir, `registry-${marker}`),
      },
    });
    const exited = new Promise<void>((resolve) => npm.on("exit", () => resolve()));
    try {
      await new Promise((r) => setTimeout(r, afterMs));
      expect(processesMarked(marker).length).toBeGreaterThan(0); // it was running
      process.kill(npm.pid ?? 0, signal);
      const outcome = await Promise.race([
        exited.then(() => "exited"),
        new Promise((r) => setTimeout(() => r("still running 30 s after the signal"), 30_000)),
      ]);
      expect(outcome).toBe("exited");
      // npm has exited; whatever it started must be gone (a short grace for the kernel's reaping).
      await expect.poll(() => processesMarked(marker), { timeout: 5_000, interval: 100 }).toEqual([]);
      for (const port of ports) expect(await portIsFree(port)).toBe(true);
    } finally {
      if (npm.exitCode === null && npm.signalCode === null && npm.pid) process.kill(-npm.pid, "SIGKILL");
      for (const pid of processesMarked(marker)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
    }
  },
  60_000,
);
