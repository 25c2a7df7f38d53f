/**
 * Section "peers": authbridge side by side with the servers users would pick instead — node-oidc-provider
 * (memory adapter and its example Redis adapter) and OpenAuth (memory storage) — driven by the same
 * harness in the same run: client_credentials grants and chained refresh rotations, rounds interleaved
 * across all servers, each server pinned to one core, per-core rates from each server's own CPU time,
 * every response body checked. Floors are paired ratios (per round), medians over the rounds.
 */
import os from "node:os";
import { pinToCpu, startChild, type BenchChild } from "./support/child";
import { clientCredentialsLoad, refreshLoad, type CheckedResult, type TokenCall } from "./support/checked-load";
import { basicAuth } from "./support/load";
import type { BridgeReady, BridgeStats } from "./support/redis-bridge";
import { num, type Row, type Section, type SectionContext, type Status } from "./support/report";
import type { ServerReady } from "./support/server";

type ServerName = "authbridge embedded" | "authbridge Upstash" | "node-oidc-provider memory" | "node-oidc-provider Redis" | "OpenAuth memory";
type Case = "client_credentials" | "refresh";

interface PeerServer {
  name: ServerName;
  child: BenchChild<ServerReady>;
  call: TokenCall;
  /** Whether its state lives in the shared redis-server (its CPU is reported next to the server's). */
  usesRedis: boolean;
  pool: string[];
}

/** One measured run of one server in one round. */
interface Sample {
  perCore: number;
  p99Ms: number;
  p50Ms: number;
  ok: number;
  failed: number;
  badBodies: number;
  serverCores: number;
  /** Bridge + redis CPU per request, microseconds (servers on Redis only). */
  storeMicrosPerRequest?: number;
}

const SERVER_CPU = 1;
const OTHERS_CPU = 0;

const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function intEnv(name: string, def: number): number {
  const n = Number(process.env[name] ?? def);
  return Number.isInteger(n) && n > 0 ? n : def;
}

async function cpuOf(child: BenchChild<unknown>): Promise<number> {
  return (await child.call<{ cpuMicros: number }>("stats")).cpuMicros;
}

async function measure(server: PeerServer, kase: Case, bridge: BenchChild<BridgeReady>, ctx: SectionContext, seconds: number): Promise<Sample> {
  const url = server.child.ready.url;
  const shape = { seconds, connections: ctx.connections };
  if (kase === "refresh") {
    // A run that ends mid-request loses those chains (the answer's successor is never read back): top the
    // pool up between runs, outside the measured window.
    const want = ctx.connections * 4;
    if (server.pool.length < want) server.pool.push(...(await server.child.call<string[]>("issue", { count: want - server.pool.length }, 120_000)));
  }
  const [cpu0, store0] = await Promise.all([cpuOf(server.child), bridge.call<BridgeStats>("stats")]);
  let result: CheckedResult;
  if (kase === "client_credentials") result = await clientCredentialsLoad(url, server.call, shape);
  else {
    const r = await refreshLoad(url, server.call, server.pool, shape);
    server.pool = r.pool;
    result = r.result;
  }
  const [cpu1, store1] = await Promise.all([cpuOf(server.child), bridge.call<BridgeStats>("stats")]);
  const cpuSeconds = (cpu1 - cpu0) / 1e6;
  const storeMicros = store1.cpuMicros - store0.cpuMicros + (store1.redisCpuMicros - store0.redisCpuMicros);
  return {
    perCore: result.ok / cpuSeconds,
    p99Ms: result.p99Ms,
    p50Ms: result.p50Ms,
    ok: result.ok,
    failed: result.failed,
    badBodies: result.badBodies,
    serverCores: cpuSeconds / result.seconds,
    ...(server.usesRedis ? { storeMicrosPerRequest: storeMicros / Math.max(1, result.ok) } : {}),
  };
}

async function startServers(bridge: BenchChild<BridgeReady>, families: number): Promise<PeerServer[]> {
  const servers: PeerServer[] = [];
  const ab = async (name: ServerName, env: Record<string, string>, usesRedis: boolean) => {
    const child = await startChild<ServerReady>("bench/support/server.ts", env);
    const auth = basicAuth(child.ready.clientId, child.ready.clientSecret);
    servers.push({
      name,
      child,
      usesRedis,
      call: { headers: { authorization: auth }, clientCredentials: "grant_type=client_credentials", refresh: (t) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(t)}` },
      pool: [],
    });
  };
  await ab("authbridge embedded", { BENCH_STORE: "embedded" }, false);
  await ab("authbridge Upstash", { BENCH_STORE: "upstash", BENCH_UPSTASH_URL: bridge.ready.url, BENCH_UPSTASH_TOKEN: bridge.ready.token }, true);
  for (const adapter of ["memory", "redis"] as const) {
    const child = await startChild<ServerReady>("bench/support/peers/oidc-provider.ts", { PEER_ADAPTER: adapter, PEER_REDIS_URL: bridge.ready.redisUrl });
    servers.push({
      name: adapter === "memory" ? "node-oidc-provider memory" : "node-oidc-provider Redis",
      child,
      usesRedis: adapter === "redis",
      call: {
        headers: { authorization: basicAuth(child.ready.clientId, child.ready.clientSecret) },
        clientCredentials: "grant_type=client_credentials&scope=read%20write",
        refresh: (t) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(t)}`,
      },
      pool: [],
    });
  }
  const oa = await startChild<ServerReady>("bench/support/peers/openauth.ts", {}, 30_000, { quietStdout: true });
  servers.push({
    name: "OpenAuth memory",
    child: oa,
    usesRedis: false,
    call: {
      headers: {},
      clientCredentials: `grant_type=client_credentials&provider=bench&client_id=bench&client_secret=${encodeURIComponent(oa.ready.clientSecret)}`,
      refresh: (t) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(t)}`,
    },
    pool: [],
  });
  for (const s of servers) s.pool = await s.child.call<string[]>("issue", { count: families }, 120_000);
  return servers;
}

interface Floor {
  kase: Case;
  ours: ServerName;
  /** Compared with the better of these in each round. */
  peers: ServerName[];
  factor: number;
}

const FLOORS: Floor[] = [
  { kase: "client_credentials", ours: "authbridge embedded", peers: ["node-oidc-provider memory", "node-oidc-provider Redis"], factor: 1.5 },
  { kase: "client_credentials", ours: "authbridge Upstash", peers: ["node-oidc-provider memory", "node-oidc-provider Redis"], factor: 1.5 },
  { kase: "refresh", ours: "authbridge Upstash", peers: ["node-oidc-provider Redis"], factor: 1.5 },
  { kase: "refresh", ours: "authbridge embedded", peers: ["node-oidc-provider memory"], factor: 1.2 },
  { kase: "client_credentials", ours: "authbridge embedded", peers: ["OpenAuth memory"], factor: 2 },
  { kase: "client_credentials", ours: "authbridge Upstash", peers: ["OpenAuth memory"], factor: 2 },
  { kase: "refresh", ours: "authbridge embedded", peers: ["OpenAuth memory"], factor: 2 },
  { kase: "refresh", ours: "authbridge Upstash", peers: ["OpenAuth memory"], factor: 2 },
];

function floorRows(results: Map<string, Sample[]>, rounds: number): Row[] {
  const rows: Row[] = [];
  for (const f of FLOORS) {
    const ours = results.get(`${f.ours}/${f.kase}`) ?? [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const best = Math.max(...f.peers.map((p) => results.get(`${p}/${f.kase}`)?.[r]?.perCore ?? Number.NaN));
      ratios.push((ours[r]?.perCore ?? Number.NaN) / best);
    }
    const ratio = median(ratios);
    const peerName = f.peers.length > 1 ? "node-oidc-provider (better adapter per round)" : f.peers[0]!;
    rows.push({
      section: "peers",
      case: f.kase,
      metric: `${f.ours} / ${peerName} per core`,
      value: `${num(ratio, 2)} ×`,
      goal: `≥ ${f.factor}`,
      status: ratio >= f.factor ? "PASS" : "FAIL",
      detail: `median of ${ratios.length} per-round ratios: ${ratios.map((x) => num(x, 2)).join(", ")}`,
    });
    // p99 at the same concurrency: no worse than the peer's (median over rounds).
    const ourP99 = median(ours.map((s) => s.p99Ms));
    const peerP99 = Math.min(...f.peers.map((p) => median((results.get(`${p}/${f.kase}`) ?? []).map((s) => s.p99Ms))));
    rows.push({
      section: "peers",
      case: f.kase,
      metric: `${f.ours} p99 vs ${peerName}`,
      value: `${num(ourP99, 2)} ms`,
      goal: `≤ ${num(peerP99, 2)} ms`,
      status: ourP99 <= peerP99 ? "PASS" : "FAIL",
      detail: `median p99 over rounds, ${f.kase}`,
    });
  }
  return rows;
}

function serverRows(results: Map<string, Sample[]>, servers: PeerServer[]): Row[] {
  const rows: Row[] = [];
  for (const kase of ["client_credentials", "refresh"] as const) {
    for (const s of servers) {
      const samples = results.get(`${s.name}/${kase}`) ?? [];
      const failed = samples.reduce((n, x) => n + x.failed, 0);
      const bad = samples.reduce((n, x) => n + x.badBodies, 0);
      const ok = samples.reduce((n, x) => n + x.ok, 0);
      const store = s.usesRedis ? `; store side (bridge + redis) ${num(median(samples.map((x) => x.storeMicrosPerRequest ?? Number.NaN)))} µs CPU per request` : "";
      rows.push({
        section: "peers",
        case: kase,
        metric: `${s.name}: ${kase === "refresh" ? "refresh rotations" : "grants"}/s per server core`,
        value: num(median(samples.map((x) => x.perCore))),
        goal: "0 failures",
        status: failed === 0 && ok > 0 ? "PASS" : "FAIL",
        detail:
          `median of ${samples.length} rounds (${samples.map((x) => num(x.perCore)).join(", ")}); p50 ${num(median(samples.map((x) => x.p50Ms)), 2)} ms, ` +
          `p99 ${num(median(samples.map((x) => x.p99Ms)), 2)} ms; server used ${num(median(samples.map((x) => x.serverCores)), 2)} cores; ` +
          `${num(ok)} checked answers, ${failed} failed (${bad} bad bodies)${store}`,
      });
    }
  }
  return rows;
}

/** The section. */
export const peers: Section = {
  name: "peers",
  title: "Side by side: authbridge, node-oidc-provider and OpenAuth",
  method: [
    "Five servers, each in its own child process on 127.0.0.1, each pinned to CPU 1 with `taskset` (the load",
    "generator, the Upstash REST bridge and redis-server share CPU 0): authbridge on the embedded store and on",
    "Upstash (the REST bridge in front of a throwaway redis-server); node-oidc-provider 9.13.3",
    "(`bench/support/peers/oidc-provider.ts`: EdDSA JWT access tokens through resource indicators, refresh",
    "rotation, client_credentials, PKCE, one confidential client with Basic auth) on its memory adapter (an LRU",
    "of 1,000 entries: volatile, for development) and on its example Redis adapter (ioredis, against the same",
    "redis-server; `bench/support/peers/oidc-redis-adapter.ts`, ported line for line); OpenAuth 0.4.3's issuer",
    "(`bench/support/peers/openauth.ts`: memory storage, ES256 — its only algorithm — 10 s refresh reuse",
    "window, hono's request logger on as it ships, output discarded).",
    "",
    "Refresh tokens of every server are seeded through its own authorization-code flow (authbridge's through its",
    "refresh service, the same records a code redemption writes), 4 families per connection; each request presents",
    "a live token and the answer's successor goes back into the pool. Every 200 is checked: a JWT access token (alg",
    "and kid in the header), and for refreshes a refresh token different from the one presented; anything else",
    "counts as a failure. Latency is per request (`process.hrtime`), so sub-millisecond.",
    "",
    "Rounds: each round runs every server (in an order rotated per round) for `BENCH_PEER_SECONDS` (default 2)",
    "of client_credentials, then as long of refreshes, after one warm-up round. Per-core rate = checked answers /",
    "CPU seconds the server process used (all its threads). For servers on Redis, the bridge's and redis-server's",
    "CPU per request is reported next to it. Ratios are paired per round and the median is taken",
    "(`BENCH_PEER_ROUNDS`, default 6).",
  ].join("\n"),
  async run(ctx) {
    const rounds = intEnv("BENCH_PEER_ROUNDS", 6);
    const seconds = intEnv("BENCH_PEER_SECONDS", 2);
    const bridge = await startChild<BridgeReady>("bench/support/redis-bridge.ts", {});
    let servers: PeerServer[] = [];
    try {
      servers = await startServers(bridge, ctx.connections * 4);
      const pinned = [pinToCpu(process.pid, OTHERS_CPU), pinToCpu(bridge.pid, OTHERS_CPU), pinToCpu(bridge.ready.redisPid, OTHERS_CPU), ...servers.map((s) => pinToCpu(s.child.pid, SERVER_CPU))].every(Boolean);
      ctx.log(`peers: ${servers.length} servers${pinned ? ", pinned" : ", NOT pinned (no taskset)"}; warm-up round`);
      for (const s of servers) for (const kase of ["client_credentials", "refresh"] as const) await measure(s, kase, bridge, ctx, 1);
      const results = new Map<string, Sample[]>();
      for (let r = 0; r < rounds; r++) {
        ctx.log(`peers: round ${r + 1}/${rounds}`);
        const order = servers.map((_, i) => servers[(i + r) % servers.length]!);
        for (const s of order) {
          for (const kase of ["client_credentials", "refresh"] as const) {
            const sample = await measure(s, kase, bridge, ctx, seconds);
            const key = `${s.name}/${kase}`;
            results.set(key, [...(results.get(key) ?? []), sample]);
          }
        }
      }
      // Samples are stored in run order per server; pair by round index.
      const rows = [...serverRows(results, servers), ...floorRows(results, rounds)];
      if (!pinned) rows.push({ section: "peers", case: "method", metric: "pinning", value: "off", goal: "taskset", status: "INFO" as Status, detail: "taskset missing or one CPU: servers were not pinned" });
      return rows;
    } finally {
      for (const s of servers) await s.child.stop();
      await bridge.stop();
      pinToCpu(process.pid, `0-${os.cpus().length - 1}`); // the sections after this one run unpinned
    }
  },
};
