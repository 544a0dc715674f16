/**
 * Starts log-worker (and auth-worker) with `wrangler dev` on free ports, with
 * fresh local state, a private dev registry (so a developer's running
 * `npm run dev` is neither used nor disturbed) and test secrets from an env file.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, ROOT, startWorker, type WorkerProcess } from "../../scripts/lib/wrangler-dev.mjs";

export const TEST_API_KEY = "e2e-api-key";
/** Scoped keys in the env file: LOG_INGEST_KEYS=e2e-producer:<TEST_INGEST_KEY>, LOG_READ_KEYS=e2e-reader:<TEST_READ_KEY>. */
export const TEST_INGEST_KEY = "e2e-ingest-key-000001";
export const TEST_READ_KEY = "e2e-read-key-0000001";
export const TEST_TOKEN_SECRET = "e2e-token-secret";

export interface Stack {
  logWorker: WorkerProcess;
  authWorker?: WorkerProcess;
  /** fetch against log-worker with the API key. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** The local state directory both workers run on (`--persist-to`). */
  persistTo: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  auth?: boolean;
  /** Extra lines of the env file (as in .dev.vars): settings with a [vars] default. */
  envVars?: Record<string, string>;
  /** `--var NAME:value` for log-worker: names the env file cannot carry (secrets not in [vars]). */
  vars?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "log-service-e2e-"));
  const envFile = join(dir, "secrets.env");
  const extra = Object.entries(options.envVars ?? {}).map(([k, v]) => `${k}='${v}'\n`);
  writeFileSync(
    envFile,
    `LOG_API_KEY=${TEST_API_KEY}\nAUTH_TOKEN_SECRET=${TEST_TOKEN_SECRET}\n` +
      `LOG_INGEST_KEYS=e2e-producer:${TEST_INGEST_KEY}\nLOG_READ_KEYS=e2e-reader:${TEST_READ_KEY}\n${extra.join("")}`,
  );
  const varArgs = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const shared = {
    persistTo: join(dir, "state"),
    env: { WRANGLER_REGISTRY_PATH: join(dir, "registry") },
  };
  const started: WorkerProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((w) => w.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const logWorker = await startWorker({
      ...shared,
      name: "log-worker",
      config: "wrangler.logworker.toml",
      port: await freePort(),
      args: [
        "--env-file",
        envFile,
        "--test-scheduled",
        "--inspector-port",
        String(await freePort()),
        ...varArgs,
      ],
    });
    started.push(logWorker);
    let authWorker: WorkerProcess | undefined;
    if (options.auth && existsSync(join(ROOT, "wrangler.auth.toml"))) {
      authWorker = await startWorker({
        ...shared,
        name: "auth-worker",
        config: "wrangler.auth.toml",
        port: await freePort(),
        args: ["--env-file", envFile, "--inspector-port", String(await freePort())],
      });
      started.push(authWorker);
    }
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(logWorker.url + path, {
        ...init,
        headers: { "X-API-Key": TEST_API_KEY, ...(init.headers as Record<string, string> | undefined) },
      });
    return { logWorker, authWorker, admin, persistTo: shared.persistTo, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
