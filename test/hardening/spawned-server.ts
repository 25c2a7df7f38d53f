/**
 * The real Node entry (`src/node.ts`) as a child process whose pid is the server itself (node with tsx's
 * loader, not the tsx wrapper that would spawn another process), so tests can watch its memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/temp";

const root = fileURLToPath(new URL("../..", import.meta.url));
// tsx's loader by URL: the server's cwd is a temp dir, where the bare name `tsx` does not resolve.
const tsxLoader = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

/** A running server, its pid and its output so far. */
export interface SpawnedServer {
  url: string;
  port: number;
  pid: number;
  output(): string;
  /** Resident set size of the server process in bytes (VmRSS). */
  rss(): number;
  stop(): Promise<void>;
}

/** Resident set size of a Linux process in bytes, from /proc/<pid>/status. */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Start `src/node.ts` in `cwd` with only PATH, HOME and `env`, and wait until it listens.
 * @example const s = await spawnServer({ cwd: dir.path }); s.rss();
 */
export async function spawnServer(opts: { cwd: string; env?: Record<string, string> }): Promise<SpawnedServer> {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", PORT: String(port), ...opts.env };
  const child = spawn(process.execPath, ["--import", tsxLoader, `${root}src/node.ts`], { cwd: opts.cwd, env });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    child.stdout.on("data", () => {
      if (!out.includes("listening on")) return;
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const pid = child.pid!;
  return { url: `http://127.0.0.1:${port}`, port, pid, output: () => out, rss: () => rssOf(pid), stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
