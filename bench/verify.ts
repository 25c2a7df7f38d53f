/**
 * Section "verify": what `requireAuth` costs an API, measured in ONE process with `app.request()` (no
 * sockets, so only the verify path differs), as ratios against the alternatives:
 * - a bare Hono route calling `jose.jwtVerify` with the same (pre-imported) public key,
 * - `hono/jwk` with the same keys, and `hono/jwk` with `jwks_uri` (a local HTTP server; it fetches per request).
 * Two cases: first sight of each token (a pre-minted pool of distinct tokens; requireAuth never sees one
 * twice) and a reused token (a small set of tokens cycled; requireAuth serves them from its cache).
 * Variants run in interleaved time slices, rotating the order every round, so drift (JIT, GC, thermal)
 * hits all of them alike; each slice keeps `CONCURRENCY` requests in flight.
 *
 * Revocation: store mode on the embedded store and on Redis through the Upstash bridge (its own process),
 * and introspect mode (answers cached per jti) against the server over HTTP, each against `revocation: "off"`;
 * plus store round trips per request (expect exactly 1).
 *
 * Standalone: `npx tsx bench/verify.ts [seconds]`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { jwk } from "hono/jwk";
import { createPublicKey } from "node:crypto";
import { createVerifier } from "fast-jwt";
import { importJWK, jwtVerify, type JWK } from "jose";
import { createUpstashStore } from "../src/store/upstash";
import type { StateStore } from "../src/store/store";
import { signAccessToken } from "../src/tokens/access";
import { requireAuth, type AuthMiddleware } from "../src/verify";
import { buildBenchApp, type BenchApp } from "./support/app";
import { startChild, type BenchChild } from "./support/child";
import { runCleanups, serveOnLoopback } from "./support/loopback";
import type { Section } from "./support/report";
import type { BridgeReady } from "./support/redis-bridge";
import { cycle, guarded, interleaved, ratioRow as sharedRatioRow, rateRow as sharedRateRow, type AnyApp, type BenchRow, type Rate, type Variant, toReportRows } from "./support/interleaved";

export type { BenchRow } from "./support/interleaved";

const SECTION = "verify";
const REUSED_TOKENS = 64;
const ratioRow = (name: string, a: Rate, b: Rate, floor?: number, note?: string) => sharedRatioRow(SECTION, name, a, b, floor, note);
const rateRow = (name: string, r: Rate, note?: string) => sharedRateRow(SECTION, name, r, note);
/** Requests of the counted (not timed) round-trip pass. */
const EXACT_REQUESTS = 500;

async function listenJwks(jwks: { keys: JWK[] }): Promise<{ url: string; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const body = JSON.stringify(jwks);
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    hits: () => hits,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}


/**
 * Run the section. `seconds` is the timed length of each comparison group (split across its variants).
 * @example const rows = await benchVerify({ seconds: 5 });
 */
export async function benchVerify(opts: { seconds: number }, log: (m: string) => void = (m) => console.error(`bench: ${m}`)): Promise<BenchRow[]> {
  process.env.UPSTASH_DISABLE_TELEMETRY ??= "1";
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const b: BenchApp = await buildBenchApp({});
    cleanups.push(() => b.close());
    const { issuer, audience } = b.deps.config;
    const jwks = (await (await b.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    const first = jwks.keys[0];
    if (!first) throw new Error("the server publishes no key");
    const publicKey = await importJWK(first, "EdDSA");
    const grant = { sub: b.client.id, clientId: b.client.id, scopes: ["read"], roles: [], aud: audience };
    const mint = async (n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i += 256)
        out.push(...(await Promise.all(Array.from({ length: Math.min(256, n - i) }, async () => `Bearer ${(await signAccessToken(b.deps.keys, { issuer, ttl: 3600 }, grant)).token}`))));
      return out;
    };

    // --- the variants -------------------------------------------------------------------------------
    const base = { issuer, audience, keys: jwks };
    const authFirst = requireAuth(base);
    // The same middleware with its Node signature path off (jose over WebCrypto, as on Workers): the margin
    // that Node-only path buys is reported beside the floor.
    const authFirstWebCrypto = requireAuth({ ...base, signatureEngine: "webcrypto" });
    const authReused = requireAuth(base);
    const bare = new Hono().get("/r", async (c) => {
      const token = c.req.header("authorization")?.slice(7) ?? "";
      try {
        await jwtVerify(token, publicKey, { issuer, audience, algorithms: ["EdDSA"], typ: "at+jwt" });
      } catch {
        return c.text("no", 401);
      }
      return c.text("ok");
    });
    // The same bare verification, but as a middleware before the route: what being middleware costs in
    // Hono (compose instead of its single-handler fast path), which requireAuth cannot avoid.
    const bareMiddleware = guarded(async (c, next) => {
      const token = c.req.header("authorization")?.slice(7) ?? "";
      try {
        await jwtVerify(token, publicKey, { issuer, audience, algorithms: ["EdDSA"], typ: "at+jwt" });
      } catch {
        return c.text("no", 401);
      }
      await next();
    });
    // Like for like with requireAuth's cache: fast-jwt with its own verified-token cache (same key, issuer,
    // audience, algorithm and typ checks), as middleware.
    const fastVerify = createVerifier({
      key: createPublicKey({ key: first as never, format: "jwk" }).export({ type: "spki", format: "pem" }).toString(),
      algorithms: ["EdDSA"],
      allowedIss: issuer,
      allowedAud: audience,
      checkTyp: "at+jwt",
      cache: 10_000,
    });
    const fastJwt = guarded(async (c, next) => {
      try {
        fastVerify(c.req.header("authorization")?.slice(7) ?? "");
      } catch {
        return c.text("no", 401);
      }
      await next();
    });
    const verification = { typ: "at+jwt", iss: issuer, aud: audience };
    const honoKeys = guarded(jwk({ keys: jwks.keys as never, alg: ["EdDSA"], verification }));
    const jwksServer = await listenJwks(jwks);
    cleanups.push(() => jwksServer.close());
    const honoUri = guarded(jwk({ jwks_uri: jwksServer.url, alg: ["EdDSA"], verification }));

    // First sight: requireAuth consumes the pool front to back (never a token twice); the others have no
    // cache, so they cycle through the same pool.
    const pool: string[] = await mint(4000);
    let fresh = 0;
    let freshWebCrypto = 0;
    const firstSight = (name: string, app: AnyApp): Variant => {
      let i = 0;
      return { name, app, next: () => pool[i++ % pool.length]! };
    };
    log(`verify: first sight (${opts.seconds} s)`);
    const fs = await interleaved(
      [
        {
          name: "requireAuth",
          app: guarded(authFirst),
          next: () => pool[fresh++]!,
          async before(expected) {
            if (pool.length - fresh < expected) pool.push(...(await mint(expected * 2)));
          },
        },
        {
          name: "requireAuth webcrypto",
          app: guarded(authFirstWebCrypto),
          next: () => pool[freshWebCrypto++]!,
          async before(expected) {
            if (pool.length - freshWebCrypto < expected) pool.push(...(await mint(expected * 2)));
          },
        },
        firstSight("bare jose", bare),
        firstSight("bare jose middleware", bareMiddleware),
        firstSight("hono/jwk keys", honoKeys),
        firstSight("hono/jwk jwks_uri", honoUri),
      ],
      opts.seconds,
      log,
    );
    const reusedTokens = await mint(REUSED_TOKENS);
    log(`verify: reused token (${opts.seconds} s)`);
    const ru = await interleaved(
      [
        { name: "requireAuth", app: guarded(authReused), next: cycle(reusedTokens) },
        { name: "bare jose", app: bare, next: cycle(reusedTokens) },
        { name: "hono/jwk keys", app: honoKeys, next: cycle(reusedTokens) },
        { name: "hono/jwk jwks_uri", app: honoUri, next: cycle(reusedTokens) },
        { name: "fast-jwt cached", app: fastJwt, next: cycle(reusedTokens) },
      ],
      opts.seconds,
      log,
    );
    const get = (m: Map<string, Rate>, k: string) => m.get(k)!;
    const firstStats = authFirst.stats();
    const reusedStats = authReused.stats();
    const rows: BenchRow[] = [
      rateRow("first sight: requireAuth (keys)", get(fs, "requireAuth"), `${firstStats.verifications} verifications, ${firstStats.cacheHits} cache hits`),
      rateRow("first sight: bare jose.jwtVerify", get(fs, "bare jose")),
      rateRow("first sight: bare jose.jwtVerify as middleware", get(fs, "bare jose middleware")),
      rateRow("first sight: hono/jwk (keys)", get(fs, "hono/jwk keys")),
      rateRow("first sight: hono/jwk (jwks_uri)", get(fs, "hono/jwk jwks_uri"), "fetches the JWKS on every request"),
      ratioRow("first sight: requireAuth / bare jose", get(fs, "requireAuth"), get(fs, "bare jose"), 0.95),
      ratioRow("first sight: requireAuth (jose/WebCrypto signatures) / bare jose", get(fs, "requireAuth webcrypto"), get(fs, "bare jose"), undefined, "requireAuth without its Node signature path: whether the floor would hold without it"),
      ratioRow("first sight: requireAuth / requireAuth (jose/WebCrypto signatures)", get(fs, "requireAuth"), get(fs, "requireAuth webcrypto"), undefined, "the margin the Node-only signature path (verify/node-signature.ts) buys"),
      ratioRow("first sight: requireAuth / bare jose as middleware", get(fs, "requireAuth"), get(fs, "bare jose middleware"), undefined, "same structure (middleware + route): what requireAuth itself adds"),
      ratioRow("first sight: bare jose as middleware / bare jose", get(fs, "bare jose middleware"), get(fs, "bare jose"), undefined, "the cost of being middleware in Hono"),
      ratioRow("first sight: requireAuth / hono/jwk (keys)", get(fs, "requireAuth"), get(fs, "hono/jwk keys"), 1.0),
      ratioRow("first sight: requireAuth / hono/jwk (jwks_uri)", get(fs, "requireAuth"), get(fs, "hono/jwk jwks_uri")),
      rateRow("reused: requireAuth (keys)", get(ru, "requireAuth"), `${reusedStats.verifications} verifications, ${reusedStats.cacheHits} cache hits`),
      rateRow("reused: bare jose.jwtVerify", get(ru, "bare jose")),
      rateRow("reused: hono/jwk (keys)", get(ru, "hono/jwk keys")),
      rateRow("reused: hono/jwk (jwks_uri)", get(ru, "hono/jwk jwks_uri")),
      rateRow("reused: fast-jwt with its cache", get(ru, "fast-jwt cached"), "like for like: a verifier with a verified-token cache of its own"),
      ratioRow("reused: requireAuth / bare jose", get(ru, "requireAuth"), get(ru, "bare jose"), 3.0),
      ratioRow("reused: requireAuth / fast-jwt with its cache", get(ru, "requireAuth"), get(ru, "fast-jwt cached"), undefined, "like for like: both serve a reused token from a cache"),
      ratioRow("reused: requireAuth / hono/jwk (keys)", get(ru, "requireAuth"), get(ru, "hono/jwk keys"), 1.0),
      ratioRow("reused: requireAuth / hono/jwk (jwks_uri)", get(ru, "requireAuth"), get(ru, "hono/jwk jwks_uri")),
      { section: SECTION, name: "JWKS fetches by requireAuth / hono/jwk jwks_uri", value: jwksServer.hits(), unit: "fetches", note: "all by hono/jwk: requireAuth here uses keys" },
    ];

    // --- revocation ---------------------------------------------------------------------------------
    log("verify: revocation (starting redis and the Upstash bridge)");
    const bridge: BenchChild<BridgeReady> = await startChild<BridgeReady>("bench/support/redis-bridge.ts", {});
    cleanups.push(() => bridge.stop());
    const redisStore = createUpstashStore({ url: bridge.ready.url, token: bridge.ready.token, prefix: "bench-verify:" });
    const server = await serveOnLoopback(b.app.fetch);
    cleanups.push(() => server.close());
    const modes: Array<[string, AuthMiddleware, StateStore | undefined]> = [
      ["off", requireAuth(base), undefined],
      ["store (embedded)", requireAuth({ ...base, revocation: "store", store: b.deps.store }), b.deps.store],
      ["store (upstash via bridge)", requireAuth({ ...base, revocation: "store", store: redisStore }), redisStore],
      // Opt-in bounded staleness: each token's answer reused for up to 1 s (no exact round-trip count).
      ["store (upstash via bridge, storeCacheMs 1000)", requireAuth({ ...base, revocation: "store", store: redisStore, storeCacheMs: 1000 }), undefined],
      ["store (embedded, storeCacheMs 1000)", requireAuth({ ...base, revocation: "store", store: b.deps.store, storeCacheMs: 1000 }), undefined],
      [
        "introspect (cached)",
        requireAuth({ ...base, revocation: "introspect", introspection: { url: `${server.url}/introspect`, clientId: b.client.id, clientSecret: b.client.secret, cacheSeconds: 300 } }),
        undefined,
      ],
    ];
    log(`verify: revocation modes, reused tokens (${opts.seconds} s)`);
    const rv = await interleaved(
      modes.map(([name, mw]) => ({ name, app: guarded(mw), next: cycle(reusedTokens) })),
      opts.seconds,
      log,
    );
    const off = get(rv, "off");
    for (const [name, mw, store] of modes) {
      const r = get(rv, name);
      const st = mw.stats();
      rows.push(rateRow(`revocation ${name}`, r, `${st.cacheHits} cache hits, ${st.storeChecks} store checks, ${st.introspections} introspections`));
      if (name !== "off") rows.push(ratioRow(`revocation ${name} / off`, r, off));
      if (store) {
        // A counted pass of its own, after the timed one warmed the store (its script cache): nothing
        // else touches the store meanwhile (the introspect mode's server shares the embedded one).
        const app = guarded(mw);
        const next = cycle(reusedTokens);
        const before = store.roundTrips;
        for (let i = 0; i < EXACT_REQUESTS; i++) {
          const res = await app.request("/r", { headers: { authorization: next() } });
          if (res.status !== 200) throw new Error(`${name}: counted pass got ${res.status}`);
        }
        const trips = store.roundTrips - before;
        rows.push({
          section: SECTION,
          name: `revocation ${name}: store round trips per request`,
          value: trips / EXACT_REQUESTS,
          unit: "round trips",
          floor: 1,
          pass: trips === EXACT_REQUESTS,
          note: `${trips} round trips / ${EXACT_REQUESTS} requests, counted pass (expect exactly 1 each)`,
        });
      }
    }
    return rows;
  } finally {
    await runCleanups(cleanups, log);
  }
}

/** The verify section for `bench/run.ts` (`BENCH_ONLY=verify npm run bench` runs it alone). */
export const verify: Section = {
  name: "verify",
  title: "Verify path and revocation (authbridge/verify)",
  method: [
    "In-process (`app.request`), 16 requests in flight, variants interleaved in 100 ms slices so drift hits all alike;",
    "ratios are medians of per-round ratios. Compared on the same Ed25519 key: `requireAuth` with local keys, a bare Hono",
    "route calling `jose.jwtVerify`, `hono/jwk` with the keys, and `hono/jwk` with `jwks_uri` (a local JWKS server).",
    "*First sight*: every request carries a token not seen before (a pre-minted pool). *Reused*: a small set of tokens",
    "presented again and again, as clients do; beside the uncached verifiers, fast-jwt with its own verified-token",
    "cache (same key, issuer, audience, algorithm and typ checks) is the like-for-like row. First sight also runs",
    "requireAuth without its Node signature path (jose over WebCrypto, as on Workers). Revocation: `store` mode on the",
    "embedded store and on Redis through the Upstash bridge (exact, and with `storeCacheMs: 1000`), `introspect`",
    "(answers cached per `jti`) against the server, each against `off`; the store round trips per request of the exact",
    "store modes come from a counted pass.",
  ].join("\n"),
  async run(ctx) {
    const rows = await benchVerify({ seconds: ctx.seconds }, ctx.log);
    return toReportRows("verify", rows);
  },
};
