/**
 * Section "issuance": client_credentials grants/s and refresh rotations/s over real HTTP, on the embedded
 * store and on Upstash (through the REST bridge in front of a throwaway redis-server), with the database
 * statements and store round trips each request costs. Floor: one store round trip per refresh.
 */
import { startChild, type BenchChild } from "./support/child";
import { basicAuth, postForm, rotateChains, type LoadResult } from "./support/load";
import type { BridgeReady, BridgeStats } from "./support/redis-bridge";
import { num, type Row, type Section, type SectionContext, type Status } from "./support/report";
import type { ServerReady, ServerStats } from "./support/server";

/** Keycloak's sizing guide: about this many client-credential grants (and refreshes) per second per vCPU. */
export const KEYCLOAK_PER_VCPU = 120;
/** The floor: this many times Keycloak, per core. */
export const FLOOR_FACTOR = 10;

type StoreKind = "embedded" | "upstash";

interface Counters extends ServerStats {
  bridgeRequests: number;
}

interface Pass {
  load: LoadResult;
  /** Counter deltas over the pass. */
  delta: Counters;
}

async function counters(server: BenchChild<ServerReady>, bridge: BenchChild<BridgeReady> | undefined): Promise<Counters> {
  const [s, b] = await Promise.all([server.call<ServerStats>("stats"), bridge?.call<BridgeStats>("stats")]);
  return { ...s, bridgeRequests: b?.requests ?? 0 };
}

function minus(a: Counters, b: Counters): Counters {
  return {
    storeRoundTrips: a.storeRoundTrips - b.storeRoundTrips,
    appStatements: a.appStatements - b.appStatements,
    cpuMicros: a.cpuMicros - b.cpuMicros,
    bridgeRequests: a.bridgeRequests - b.bridgeRequests,
  };
}

/** Run `load` between two counter snapshots. */
async function pass(
  server: BenchChild<ServerReady>,
  bridge: BenchChild<BridgeReady> | undefined,
  load: () => Promise<LoadResult>,
): Promise<Pass> {
  const before = await counters(server, bridge);
  const result = await load();
  const after = await counters(server, bridge);
  return { load: result, delta: minus(after, before) };
}

function per(n: number, of: number): number {
  return of > 0 ? n / of : Number.NaN;
}

function statuses(load: LoadResult): string {
  return Object.entries(load.statuses)
    .map(([code, n]) => `${n}×${code}`)
    .join(" ");
}

/** The throughput row: raw rate, latency, and the per-core floor (10× Keycloak's per-vCPU plan). */
function throughputRow(store: StoreKind, metric: string, p: Pass): Row {
  const { load, delta } = p;
  const cpuSeconds = delta.cpuMicros / 1e6;
  const cores = cpuSeconds / load.seconds;
  const perCore = per(load.ok, cpuSeconds);
  const floor = KEYCLOAK_PER_VCPU * FLOOR_FACTOR;
  return {
    section: "issuance",
    case: store,
    metric: `${metric} per server core`,
    value: num(perCore),
    goal: `≥ ${num(floor)} (10× Keycloak per vCPU)`,
    status: perCore >= floor ? "PASS" : "FAIL",
    detail:
      `${num(perCore / KEYCLOAK_PER_VCPU, 1)}× Keycloak (${KEYCLOAK_PER_VCPU}/s/vCPU); ${num(load.rps)}/s wall: ${num(load.ok)} ok in ${num(load.seconds, 1)} s, ` +
      `p50 ${num(load.p50Ms)} ms, p99 ${num(load.p99Ms)} ms; the server used ${num(cores, 2)} cores`,
  };
}

function ratioRow(store: StoreKind, metric: string, value: number, goal: string, status: Status, detail: string): Row {
  return { section: "issuance", case: store, metric, value: num(value, 2), goal, status, detail };
}

/** A floor on an exact ratio: PASS when `value` equals `want`. */
function exactly(value: number, want: number): Status {
  return Math.abs(value - want) < 1e-9 ? "PASS" : "FAIL";
}

async function measureStore(store: StoreKind, ctx: SectionContext): Promise<Row[]> {
  const c = ctx.connections;
  const bridge = store === "upstash" ? await startChild<BridgeReady>("bench/support/redis-bridge.ts", {}) : undefined;
  try {
    const server = await startChild<ServerReady>("bench/support/server.ts", {
      BENCH_STORE: store,
      ...(bridge ? { BENCH_UPSTASH_URL: bridge.ready.url, BENCH_UPSTASH_TOKEN: bridge.ready.token } : {}),
    });
    try {
      const { url, clientId, clientSecret } = server.ready;
      const auth = basicAuth(clientId, clientSecret);
      const form = "grant_type=client_credentials";
      const exactAmount = c * 50;

      ctx.log(`issuance/${store}: client_credentials (warm-up, ${exactAmount} counted, ${ctx.seconds} s timed)`);
      const ccWarm = await postForm(url, "/token", form, auth, { connections: c, amount: c * 20 });
      const ccExact = await pass(server, bridge, () => postForm(url, "/token", form, auth, { connections: c, amount: exactAmount }));
      const ccTimed = await pass(server, bridge, () => postForm(url, "/token", form, auth, { connections: c, seconds: ctx.seconds }));

      ctx.log(`issuance/${store}: refresh rotations (warm-up, ${exactAmount} counted, ${ctx.seconds} s timed)`);
      let pool = await server.call<string[]>("issue", { count: c * 4 });
      const rtWarm = await rotateChains(url, auth, pool, { connections: c, amount: c * 20 });
      pool = rtWarm.pool;
      let rtExactPool: string[] = [];
      const rtExact = await pass(server, bridge, async () => {
        const r = await rotateChains(url, auth, pool, { connections: c, amount: exactAmount });
        rtExactPool = r.pool;
        return r.load;
      });
      const rtTimed = await pass(server, bridge, async () => (await rotateChains(url, auth, rtExactPool, { connections: c, seconds: ctx.seconds })).load);

      const loads = [ccWarm, ccExact.load, ccTimed.load, rtWarm.load, rtExact.load, rtTimed.load];
      const failed = loads.reduce((n, l) => n + l.failed, 0);
      const total = loads.reduce((n, l) => n + l.ok + l.failed, 0);
      const ccN = ccExact.load.ok;
      const rtN = rtExact.load.ok;
      const rows: Row[] = [
        throughputRow(store, "client_credentials grants/s", ccTimed),
        ratioRow(store, "DB statements per grant through drizzle", per(ccExact.delta.appStatements, ccN), "0 (the client is read by a statement prepared once on the libsql driver)", "INFO",
          `${ccExact.delta.appStatements} statements / ${ccN} grants (counted pass)`),
        ratioRow(store, "store round trips per grant", per(ccExact.delta.storeRoundTrips, ccN), "0", "INFO",
          `${ccExact.delta.storeRoundTrips} round trips / ${ccN} grants`),
        throughputRow(store, "refresh rotations/s", rtTimed),
        ratioRow(store, "store round trips per refresh", per(rtExact.delta.storeRoundTrips, rtN), "= 1 (floor)",
          rtN > 0 ? exactly(rtExact.delta.storeRoundTrips / rtN, 1) : "FAIL",
          `store.roundTrips: ${rtExact.delta.storeRoundTrips} / ${rtN} refreshes (counted pass)`),
        ratioRow(store, "DB statements per refresh through drizzle", per(rtExact.delta.appStatements, rtN), "0 (client: prepared libsql statement; entitlements: published in the store)", "INFO",
          `${rtExact.delta.appStatements} statements / ${rtN} refreshes`),
      ];
      if (store === "upstash") {
        // At most one: rotations asked for together share one pipeline request (each its own script run).
        rows.push(ratioRow(store, "bridge HTTP requests per refresh", per(rtExact.delta.bridgeRequests, rtN), "≤ 1 (floor, cross-check)",
          rtN > 0 && rtExact.delta.bridgeRequests <= rtN ? "PASS" : "FAIL",
          `requests seen by the REST bridge: ${rtExact.delta.bridgeRequests} / ${rtN} refreshes (concurrent rotations share a pipeline request)`));
      }
      rows.push({
        section: "issuance",
        case: store,
        metric: "failed requests",
        value: num(failed),
        goal: "0 (else the numbers mean nothing)",
        status: failed === 0 ? "PASS" : "FAIL",
        detail: `${num(total)} requests in all; last timed runs: grants ${statuses(ccTimed.load)}, refreshes ${statuses(rtTimed.load)}`,
      });
      return rows;
    } finally {
      await server.stop();
    }
  } finally {
    await bridge?.stop();
  }
}

/** The section. */
export const issuance: Section = {
  name: "issuance",
  title: "Token issuance: client_credentials and refresh rotation",
  method: [
    "The app runs in a child process (`bench/support/server.ts`, started through tsx) serving real HTTP on",
    "127.0.0.1 over a fresh migrated libSQL file, with one confidential client (Basic auth) and one account with",
    "entitlements. The load generator (autocannon, HTTP/1.1 keep-alive, no pipelining) runs in the parent process;",
    "for Upstash, redis-server and the Upstash REST bridge (`test/support/upstash-bridge.ts`) run in a third",
    "process, so the server's CPU time is its own.",
    "",
    "Each case runs a warm-up, then a *counted* pass of a fixed number of requests (all complete, so counter",
    "deltas divide exactly), then a *timed* pass of `BENCH_SECONDS`. Refreshes are chained: each request presents",
    "a live token from a pool (4 families per connection, issued in the server process) and the response's",
    "successor goes back into the pool, so every token is presented exactly once, as a real client would.",
    "",
    "Counters: `store.roundTrips` of the state store; SQL statements through a counting proxy of the libSQL",
    "client handed to drizzle (app; the embedded store uses the libsql driver directly, one synchronous",
    "transaction per call); requests seen by the REST bridge; the server",
    "process's CPU time (`process.cpuUsage`, all threads). Per-core rates are successes per server CPU-second,",
    `compared with Keycloak's ~${KEYCLOAK_PER_VCPU}/s per vCPU; the floor is ${FLOOR_FACTOR}× that, per core.`,
    "Also enforced: exactly one store round trip per refresh; a run with failed requests fails.",
  ].join("\n"),
  async run(ctx) {
    const rows: Row[] = [];
    for (const store of ["embedded", "upstash"] as const) rows.push(...(await measureStore(store, ctx)));
    return rows;
  },
};
