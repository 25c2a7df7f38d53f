/**
 * Child-process entry: the app under benchmark, served over real HTTP on 127.0.0.1 (ephemeral port), so
 * that the load generator in the parent does not take CPU from it. Env: BENCH_STORE = embedded | upstash,
 * and for upstash BENCH_UPSTASH_URL / BENCH_UPSTASH_TOKEN (the bridge).
 *
 * Requests (see `child.ts`): `issue` {count} → refresh tokens of new families; `stats` → {@link ServerStats}.
 */
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildBenchApp, BENCH_SCOPES } from "./app";
import { serveChild } from "./child";
import { profilerOps } from "./profiler";

/** What the server tells the parent when it is ready. */
export interface ServerReady {
  url: string;
  clientId: string;
  clientSecret: string;
}

/** Counters of the server process, cumulative since start. */
export interface ServerStats {
  /** `store.roundTrips`. */
  storeRoundTrips: number;
  /** Statements the app sent through drizzle. */
  appStatements: number;
  /** CPU time of this process (user + system, all threads), microseconds. */
  cpuMicros: number;
}

/** Most families one `issue` request may ask for. */
export const MAX_ISSUE = 10_000;

async function main(): Promise<void> {
  const store = process.env.BENCH_STORE ?? "embedded";
  const upstash =
    store === "upstash"
      ? { url: process.env.BENCH_UPSTASH_URL ?? "", token: process.env.BENCH_UPSTASH_TOKEN ?? "" }
      : undefined;
  const bench = await buildBenchApp(upstash ? { upstash } : {});
  // Plain HTTP/1.1 (no TLS, no http2): a node:http Server.
  const server = serve({ fetch: bench.app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;

  serveChild(
    { url: `http://127.0.0.1:${port}`, clientId: bench.client.id, clientSecret: bench.client.secret } satisfies ServerReady,
    {
      ...profilerOps,
      async issue(arg) {
        const count = Math.min(MAX_ISSUE, Math.max(0, Number((arg as { count?: number } | undefined)?.count ?? 0)));
        const tokens: string[] = [];
        for (let i = 0; i < count; i++) {
          const { token } = await bench.services.refresh.issue({
            clientId: bench.client.id,
            sub: bench.accountId,
            sid: `ses_bench${i}`,
            grant: { scopes: BENCH_SCOPES, aud: bench.deps.config.audience },
            now: bench.deps.now(),
          });
          tokens.push(token);
        }
        return tokens;
      },
      stats(): ServerStats {
        const cpu = process.cpuUsage();
        return {
          storeRoundTrips: bench.deps.store.roundTrips,
          appStatements: bench.appCounts.statements,
          cpuMicros: cpu.user + cpu.system,
        };
      },
    },
    async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      bench.close();
    },
  );
}

main().catch((err: unknown) => {
  console.error("bench server failed:", err);
  process.exit(1);
});
