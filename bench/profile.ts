/**
 * `npx tsx bench/profile.ts [embedded|upstash] [client_credentials|refresh] [seconds]`: drive one case
 * against the benchmark server with the load generator, profile exactly the timed window in the server
 * process, save the `.cpuprofile` and print where the busy time went (self time, by package and by
 * function). Used to find the hot path's costs before changing it (numbers in BENCHMARKS.md).
 */
import { readFileSync } from "node:fs";
import { startChild, stopAllChildren } from "./support/child";
import { basicAuth, postForm, rotateChains } from "./support/load";
import type { BridgeReady } from "./support/redis-bridge";
import type { ServerReady } from "./support/server";

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by package and by function, as percentages of busy (non-idle) time. */
export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byPkg = new Map<string, number>();
  const byFn = new Map<string, number>();
  let busy = 0;
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") continue;
    busy += t;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes("/src/") || url.includes("/providers/") ? "authbridge" : url.startsWith("node:") ? "node" : functionName || "(native)");
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
    const fn = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `  ${pct(t)}  ${k}`).join("\n");
  return `busy ${(busy / 1e6).toFixed(2)} s\nby package:\n${list(byPkg, 12)}\nby function (self):\n${list(byFn, top)}`;
}

async function main(): Promise<void> {
  const store = process.argv[2] ?? "embedded";
  const kase = process.argv[3] ?? "refresh";
  const seconds = Number(process.argv[4] ?? 5);
  const bridge = store === "upstash" ? await startChild<BridgeReady>("bench/support/redis-bridge.ts", {}) : undefined;
  const server = await startChild<ServerReady>("bench/support/server.ts", {
    BENCH_STORE: store,
    ...(bridge ? { BENCH_UPSTASH_URL: bridge.ready.url, BENCH_UPSTASH_TOKEN: bridge.ready.token } : {}),
  });
  try {
    const { url, clientId, clientSecret } = server.ready;
    const auth = basicAuth(clientId, clientSecret);
    const shape = { connections: 16 };
    let pool = kase === "refresh" ? await server.call<string[]>("issue", { count: 64 }) : [];
    const drive = async (s: number) => {
      if (kase === "refresh") {
        const r = await rotateChains(url, auth, pool, { ...shape, seconds: s });
        pool = r.pool;
        return r.load;
      }
      return postForm(url, "/token", "grant_type=client_credentials", auth, { ...shape, seconds: s });
    };
    await drive(2); // warm-up: JIT, caches
    await server.call("profileStart");
    const load = await drive(seconds);
    const path = await server.call<string>("profileStop", { path: `/tmp/authbridge-${store}-${kase}.cpuprofile` });
    console.log(`${store} ${kase}: ${load.ok} ok, ${load.failed} failed in ${load.seconds.toFixed(1)} s; profile ${path}`);
    console.log(summarise(JSON.parse(readFileSync(path, "utf8")) as CpuProfile));
  } finally {
    await stopAllChildren();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
