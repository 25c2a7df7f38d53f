/**
 * Section "node-paths": each Node-only fast path against the portable path it replaces (what Workers run),
 * interleaved rounds in this process, CPU time per operation (all threads), so BENCHMARKS.md says what
 * each one buys and the rule — a Node fast path stays only if a floor needs it — can be applied.
 * The third Node-only path, the embedded store on the `libsql` driver, has no portable twin to compare:
 * it exists for its synchronous transactions (atomic rotation without a lock service), not for speed.
 */
import { generateKeyPair } from "jose";
import { createUpstashStore } from "../src/store/upstash";
import { nodeUpstashTransport } from "../src/store/node-transport";
import { signJwt } from "../src/tokens/jwt-sign";
import { startChild } from "./support/child";
import type { BridgeReady } from "./support/redis-bridge";
import { num, type Row, type Section } from "./support/report";

const ROUNDS = 7;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** CPU microseconds (this process, all threads) per operation of `op`, run `n` times `inFlight` at once. */
async function cpuPerOp(n: number, inFlight: number, op: () => Promise<unknown>): Promise<number> {
  const t0 = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < n) await op();
    }),
  );
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / n;
}

/** Interleaved rounds of two variants; per-round ratio b/a of CPU per op (how many times cheaper `a` is). */
async function compare(a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number; b: number; ratio: number; ratios: number[] }> {
  await a();
  await b(); // warm-up
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  const ratios = as.map((x, i) => bs[i]! / x);
  return { a: median(as), b: median(bs), ratio: median(ratios), ratios };
}

function rows(name: string, fast: string, slow: string, c: { a: number; b: number; ratio: number; ratios: number[] }): Row[] {
  return [
    { section: "node-paths", case: name, metric: `${fast}: CPU per operation`, value: `${num(c.a, 1)} µs`, goal: "info", status: "INFO", detail: `median of ${ROUNDS} interleaved rounds` },
    { section: "node-paths", case: name, metric: `${slow}: CPU per operation`, value: `${num(c.b, 1)} µs`, goal: "info", status: "INFO", detail: `median of ${ROUNDS} interleaved rounds` },
    {
      section: "node-paths",
      case: name,
      metric: `${fast} saves`,
      value: `${num(c.ratio, 2)} ×`,
      goal: "info",
      status: "INFO",
      detail: `${slow} / ${fast} CPU per operation, per-round ratios ${c.ratios.map((x) => num(x, 2)).join(", ")}`,
    },
  ];
}

/** The section. */
export const nodePaths: Section = {
  name: "node-paths",
  title: "Node-only fast paths: what each buys",
  method: [
    "Each Node-only path against the portable code it stands in for, in this process, interleaved rounds",
    `(${ROUNDS}), CPU time per operation from \`process.cpuUsage\` (all threads, so work moved to the thread pool`,
    "is counted). Signing: `signJwt` with Node's `crypto.sign` vs jose over WebCrypto (an Ed25519 access token's",
    "claims, 2,000 signatures a round). Upstash transport: the Upstash store with the Node HTTP transport vs",
    "@upstash/redis's own fetch, 1,000 `newestMark` calls a round, 16 in flight, against the REST bridge in a",
    "child process. Signature verification (`verify/node-signature.ts`) is compared in the verify section",
    "(requireAuth with and without it, first sight). The embedded store's `libsql` driver has no portable twin: it",
    "is there for synchronous transactions (atomic rotation), not speed.",
  ].join("\n"),
  async run(ctx) {
    const out: Row[] = [];
    ctx.log("node-paths: signing");
    const { privateKey } = await generateKeyPair("EdDSA");
    const header = { alg: "EdDSA" as const, kid: "bench", typ: "at+jwt" };
    const claims = { iss: "https://auth.example.com", sub: "acct_x", aud: "https://api.example.com", exp: 2_000_000_000, iat: 1_900_000_000, jti: "at_x", client_id: "client_x", scope: "read write", roles: ["member"] };
    const sign = (engine: "auto" | "webcrypto") => () => cpuPerOp(2000, 1, () => signJwt(header, claims, privateKey, { engine }));
    out.push(...rows("signing", "Node crypto.sign", "jose/WebCrypto", await compare(sign("auto"), sign("webcrypto"))));

    ctx.log("node-paths: Upstash transport");
    const bridge = await startChild<BridgeReady>("bench/support/redis-bridge.ts", {});
    try {
      const { url, token } = bridge.ready;
      const viaNode = createUpstashStore({ url, token, prefix: "np:", transport: nodeUpstashTransport({ url, token, timeoutMs: 2000 }) });
      const viaFetch = createUpstashStore({ url, token, prefix: "np:" });
      const refs = [{ kind: "jti" as const, id: "x" }, { kind: "account" as const, id: "y" }];
      const calls = (store: typeof viaNode) => () => cpuPerOp(1000, 16, () => store.newestMark(refs));
      out.push(...rows("upstash transport", "Node HTTP transport", "@upstash/redis fetch", await compare(calls(viaNode), calls(viaFetch))));
    } finally {
      await bridge.stop();
    }
    return out;
  },
};
