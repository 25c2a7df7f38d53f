/**
 * Child-process entry: a throwaway redis-server and the Upstash REST bridge in front of it, in a process of
 * their own so neither the server under benchmark nor the load generator pays for them.
 *
 * Requests (see `child.ts`): `stats` → {@link BridgeStats}.
 */
import { randomUUID } from "node:crypto";
import { startRedis } from "../../test/support/redis-server";
import { RespClient } from "../../test/support/resp";
import { startUpstashBridge } from "../../test/support/upstash-bridge";
import { serveChild } from "./child";

/** What the bridge process tells the parent when it is ready. */
export interface BridgeReady {
  url: string;
  token: string;
  /** The redis-server itself (`redis://127.0.0.1:port`), for peers that speak RESP. */
  redisUrl: string;
  redisPid: number;
}

/** Counters of the bridge, cumulative since start. */
export interface BridgeStats {
  /** HTTP requests the bridge received (one per Upstash REST round trip). */
  requests: number;
  /** CPU time of the bridge process, microseconds. */
  cpuMicros: number;
  /** CPU time of redis-server (INFO cpu: used_cpu_user + used_cpu_sys), microseconds. */
  redisCpuMicros: number;
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
  const admin = await RespClient.connect(redis.port, 2000);
  const info = async (section: string) => String(await admin.call("INFO", section));
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(text)?.[1] ?? Number.NaN);
  const redisPid = field(await info("server"), "process_id");
  serveChild(
    { url: b.url, token: b.token, redisUrl: redis.url, redisPid } satisfies BridgeReady,
    {
      async stats(): Promise<BridgeStats> {
        const cpu = process.cpuUsage();
        const text = await info("cpu");
        const redisCpuMicros = Math.round((field(text, "used_cpu_user") + field(text, "used_cpu_sys")) * 1e6);
        return { requests: b.commands, cpuMicros: cpu.user + cpu.system, redisCpuMicros };
      },
    },
    async () => {
      admin.close();
      await b.stop();
      await redis.stop();
    },
  );
}

main().catch((err: unknown) => {
  console.error("bench redis/bridge failed:", err);
  process.exit(1);
});
