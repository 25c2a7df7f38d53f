/**
 * A throwaway `redis-server` for tests: ephemeral port, no persistence, stoppable and restartable on the
 * same port (for the store-unavailable tests).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { RespClient } from "./resp";

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

/** A running test redis. */
export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:port` */
  url: string;
  /** Kill the server and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same port (data is gone: there is no persistence). */
  restart(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function answersPing(port: number): Promise<boolean> {
  try {
    const c = await RespClient.connect(port, 200);
    try {
      const reply = await c.call("PING");
      return typeof reply === "object" && reply !== null && "value" in reply && reply.value === "PONG";
    } finally {
      c.close();
    }
  } catch {
    return false;
  }
}

function spawnRedis(port: number): ChildProcess {
  const child = spawn(
    REDIS_BIN,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr?.resume();
  return child;
}

/** Spawn and wait until PING answers; rejects if the process exits first or 5 s pass. */
async function launch(port: number): Promise<ChildProcess> {
  const child = spawnRedis(port);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited while starting on port ${port}`);
    if (await answersPing(port)) return child;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer PING on port ${port}`);
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Start a redis-server on a free port.
 * @example const redis = await startRedis(); … await redis.stop();
 */
export async function startRedis(): Promise<TestRedis> {
  let child: ChildProcess | undefined;
  let port = 0;
  // The free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port).catch(() => undefined);
  }
  if (!child) throw new Error("could not start redis-server");
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    const done = waitExit(c);
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 3000);
    await done;
    clearTimeout(timer);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      child = await launch(port);
    },
  };
}
