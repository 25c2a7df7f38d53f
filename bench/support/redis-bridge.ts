/**
 * Child-process entry: a throwaway redis-server and the Upstash REST bridge in front of it, in a process of
 * their own so neither the server under benchmark nor the load generator pays for them.
 *
 * Requests (see `child.ts`): `stats` → {@link BridgeStats}.
 */
import { randomUUID } from "node:crypto";
import { startRedis } from "../../test/support/redis-server";
import { startUpstashBridge } from "../../test/support/upstash-bridge";
import { serveChild } from "./child";

/** What the bridge process tells the parent when it is ready. */
export interface BridgeReady {
  url: string;
  token: string;
}

/** Counters of the bridge, cumulative since start. */
export interface BridgeStats {
  /** HTTP requests the bridge received (one per Upstash REST round trip). */
  requests: number;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  let bridge;
  try {
    bridge = await startUpstashBridge({ redisPort: redis.port, token: randomUUID() });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const b = bridge;
  serveChild(
    { url: b.url, token: b.token } satisfies BridgeReady,
    { stats: (): BridgeStats => ({ requests: b.commands }) },
    async () => {
      await b.stop();
      await redis.stop();
    },
  );
}

main().catch((err: unknown) => {
  console.error("bench redis/bridge failed:", err);
  process.exit(1);
});
