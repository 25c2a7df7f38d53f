/** Small pieces the in-process sections share: an app served on loopback, and cleanups run in reverse. */
import type http from "node:http";
import { serve } from "@hono/node-server";

/** A server on 127.0.0.1 with an ephemeral port. */
export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serve `fetch` on 127.0.0.1 (an ephemeral port) until `close()`, which also drops kept-alive connections.
 * @example const server = await serveOnLoopback(b.app.fetch); cleanups.push(() => server.close());
 */
export function serveOnLoopback(fetch: (req: Request) => Response | Promise<Response>): Promise<LoopbackServer> {
  return new Promise((resolve) => {
    const s = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise((r) => {
            (s as http.Server).closeAllConnections();
            s.close(() => r());
          }),
      }),
    );
  });
}

/**
 * Run cleanups last-in first-out; a failing one is logged and the rest still run.
 * @example finally { await runCleanups(cleanups, log); }
 */
export async function runCleanups(cleanups: Array<() => Promise<void> | void>, log: (m: string) => void): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (err) {
      log(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
