/** Starts the real Node entry (`src/node.ts` through tsx) as a child process, as `npm start` does. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "./temp";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

/** A running server and its output so far. */
export interface NodeServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Environment for the child: PATH and the given variables only, so the machine's env cannot leak in. */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...vars };
}

/**
 * Run `src/node.ts` in `cwd` and wait until it listens.
 * @example const s = await startNodeServer({ cwd: dir.path }); await fetch(`${s.url}/healthz`);
 */
export async function startNodeServer(opts: { cwd: string; env?: Record<string, string>; port?: number }): Promise<NodeServer> {
  const port = opts.port ?? (await freePort());
  const child = spawn(tsx, [`${root}src/node.ts`], { cwd: opts.cwd, env: childEnv({ PORT: String(port), ...opts.env }) });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    // A server that did not start in time is stopped, not left running behind a failed test. The wait is
    // generous: under a full suite on two cores, tsx alone can take most of it.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${out}`));
    }, 60_000);
    const check = () => {
      if (out.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, output: () => out, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Run `src/node.ts` expecting it to exit; returns its exit code, output, and whether it ever listened. */
export async function runNodeServerToExit(opts: { cwd: string; env?: Record<string, string> }): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const child = spawn(tsx, [`${root}src/node.ts`], { cwd: opts.cwd, env: childEnv({ PORT: String(port), ...opts.env }) });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output: out };
}
