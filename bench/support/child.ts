/**
 * Child processes for the benchmark: a TypeScript entry forked through tsx with an IPC channel, a
 * request/reply protocol with timeouts, and a registry so that every child this process started is
 * stopped on exit (also on errors and Ctrl-C).
 */
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const running = new Set<ChildProcess>();

/** A request sent to a child: `op` names what to do. */
export interface ChildRequest {
  id: number;
  op: string;
  arg?: unknown;
}

/** A child's reply to one request. */
export type ChildReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The first message of a child: it is ready, with whatever it wants to tell. */
export interface ChildReady<T> {
  ready: T;
}

/** A started child. */
export interface BenchChild<T> {
  ready: T;
  pid: number;
  /** Ask the child to do `op`; rejects after `timeoutMs`. */
  call<R>(op: string, arg?: unknown, timeoutMs?: number): Promise<R>;
  /** Ask it to stop (disconnect), then SIGTERM, then SIGKILL; resolves when it has exited. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.connected) child.disconnect();
  if (!(await waitExit(child, 5000))) {
    child.kill("SIGTERM");
    if (!(await waitExit(child, 3000))) {
      child.kill("SIGKILL");
      await waitExit(child, 3000);
    }
  }
  running.delete(child);
}

/**
 * Fork `entry` (a path relative to the repo root) under tsx and wait for its ready message.
 * @example const c = await startChild<{ port: number }>("bench/support/server.ts", { BENCH_STORE: "embedded" });
 */
export async function startChild<T>(entry: string, env: Record<string, string>, timeoutMs = 30_000, opts: { quietStdout?: boolean } = {}): Promise<BenchChild<T>> {
  const child = fork(`${root}${entry}`, [], {
    cwd: root,
    // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there when it exits (open in Chrome DevTools).
    execArgv: ["--import", "tsx", ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: { ...process.env, ...env },
    // A peer that logs every request (OpenAuth) must not flood the report.
    stdio: ["ignore", opts.quietStdout ? "ignore" : "inherit", "inherit", "ipc"],
  });
  running.add(child);
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready within ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready`));
    });
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve((m as ChildReady<T>).ready);
    });
  }).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  child.on("message", (m) => {
    const reply = m as ChildReply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(`${entry}: ${reply.error}`));
  });
  child.on("exit", (code) => {
    for (const p of pending.values()) p.reject(new Error(`${entry} exited with ${code}`));
    pending.clear();
  });
  return {
    ready,
    pid: child.pid ?? -1,
    call<R>(op: string, arg?: unknown, callTimeoutMs = 60_000): Promise<R> {
      const id = nextId++;
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${entry}: ${op} timed out after ${callTimeoutMs} ms`));
        }, callTimeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as R);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, op, arg } satisfies ChildRequest);
      });
    },
    stop: () => stopChild(child),
  };
}

/** Stop every child still running (used on errors and signals). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c)));
}

// Last resort: a synchronous exit cannot wait, but it can still signal the children it started.
process.on("exit", () => {
  for (const c of running) if (!exited(c)) c.kill("SIGKILL");
});

/**
 * Child side: send the ready message, answer requests with `handlers`, and run `shutdown` once when the
 * parent disconnects (or dies) or a SIGTERM arrives, then exit.
 * @example serveChild({ port }, { stats: () => counters }, async () => server.close());
 */
export function serveChild(
  ready: unknown,
  handlers: Record<string, (arg: unknown) => unknown>,
  shutdown: () => Promise<void>,
): void {
  if (!process.send) throw new Error("not started with an IPC channel");
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    shutdown()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on("message", (m) => {
    const req = m as ChildRequest;
    const handler = Object.hasOwn(handlers, req.op) ? handlers[req.op] : undefined;
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown op ${req.op}`);
        const result = await handler(req.arg);
        process.send?.({ id: req.id, ok: true, result } satisfies ChildReply);
      } catch (err) {
        process.send?.({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ChildReply);
      }
    })();
  });
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.send({ ready });
}

/**
 * Pin a process (all its threads, and the threads it starts later) to one CPU with `taskset`, where the
 * machine has it. Returns false when it could not (no taskset, one CPU): the report says so.
 * @example pinToCpu(server.pid, 1);
 */
export function pinToCpu(pid: number, cpu: number | string): boolean {
  if (os.cpus().length < 2 || pid <= 0) return false;
  const r = spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
  return r.status === 0;
}
