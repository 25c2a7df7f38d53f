/**
 * Section "api-keys": what an API pays per request for each way of accepting a caller, in ONE process with
 * `app.request()` (no sockets on the API side), variants interleaved (bench/support/interleaved.ts):
 * - a JWT presented again (requireAuth's verified-token cache),
 * - an API key through `requireAuth({ apiKeys })` on a cache hit (answer reused for cacheSeconds),
 * - an API key on a cache miss (`cacheSeconds: 0`: one introspection per request, over HTTP to the server
 *   running in this same process — its CPU is counted here too),
 * - a bare route doing the server's own key look-up (keyed hash + one database query) per request: the
 *   "one database call per request" way keys are usually accepted; on a libSQL file (embedded) and on sqld
 *   over HTTP (the remote protocol Turso speaks: the distributed production setup).
 * And the revocation delay bound: with `cacheSeconds: 1`, the time from a revoke until the API refuses.
 *
 * Standalone: `BENCH_ONLY=api-keys npm run bench`.
 */
import { Hono } from "hono";
import type { JWK } from "jose";
import { apiKeyHash } from "../src/apikeys/hash";
import { createApiKey, findApiKeyByHash } from "../src/apikeys/registry";
import { revokeApiKeyEverywhere } from "../src/apikeys/revoke";
import { createClient } from "../src/clients/registry";
import { openDatabase, type Database } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { accounts } from "../src/db/schema";
import { signAccessToken } from "../src/tokens/access";
import { requireAuth } from "../src/verify";
import { startSqld } from "../test/support/sqld";
import { buildBenchApp } from "./support/app";
import { cycle, guarded, interleaved, ratioRow, rateRow, type BenchRow, type Rate, toReportRows } from "./support/interleaved";
import { runCleanups, serveOnLoopback } from "./support/loopback";
import type { Section } from "./support/report";

const SECTION = "api-keys";
const KEYS = 64;

/** A route that accepts a key only after looking it up in `db` (keyed hash + one query), every request. */
function lookupPerRequest(db: Database, secret: Uint8Array) {
  return new Hono().get("/r", async (c) => {
    const key = c.req.header("authorization")?.slice(7) ?? "";
    const found = await findApiKeyByHash(db, await apiKeyHash(secret, key));
    if (!found || found.key.revokedAt !== null || found.ownerOffAt !== null) return c.text("no", 401);
    return c.text("ok");
  });
}

/**
 * Run the section.
 * @example const rows = await benchApiKeys({ seconds: 5 }, console.error);
 */
export async function benchApiKeys(opts: { seconds: number }, log: (m: string) => void): Promise<BenchRow[]> {
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    // Per-key limits off: the cache-miss variant introspects the same few keys thousands of times a second.
    const b = await buildBenchApp({ env: { API_KEY_RATE_LIMIT_PER_MINUTE: "0" } });
    cleanups.push(() => b.close());
    const { issuer, audience, secret } = b.deps.config;
    const server = await serveOnLoopback(b.app.fetch);
    cleanups.push(() => server.close());
    const rs = await createClient(b.deps.db, { name: "bench-api", introspectAudiences: [audience] });
    const introspection = { url: `${server.url}/introspect`, clientId: rs.client.id, clientSecret: rs.secret! };
    const jwks = (await (await b.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    const base = { issuer, audience, keys: jwks };

    const keys: string[] = [];
    for (let i = 0; i < KEYS; i++) keys.push((await createApiKey(b.deps.db, secret, { owner: { kind: "account", accountId: b.accountId }, name: `k${i}`, createdBy: "bench" })).key);
    const grant = { sub: b.accountId, clientId: b.client.id, scopes: ["read"], roles: [], aud: audience };
    const jwts = await Promise.all(Array.from({ length: KEYS }, async () => (await signAccessToken(b.deps.keys, { issuer, ttl: 3600 }, grant)).token));
    const bearer = (list: string[]) => {
      const next = cycle(list);
      return () => `Bearer ${next()}`;
    };

    // The same keys in a sqld database (the remote libSQL protocol), hashed under the same secret.
    log("api-keys: starting sqld");
    const sqld = await startSqld();
    cleanups.push(() => sqld.stop());
    const remote = openDatabase({ url: sqld.url });
    cleanups.push(() => remote.client.close());
    await applyMigrations(remote.db);
    await remote.db.insert(accounts).values({ id: b.accountId, kind: "user", createdAt: Date.now() });
    const remoteKeys: string[] = [];
    for (let i = 0; i < KEYS; i++) remoteKeys.push((await createApiKey(remote.db, secret, { owner: { kind: "account", accountId: b.accountId }, name: `k${i}`, createdBy: "bench" })).key);

    const jwtAuth = requireAuth(base);
    const cached = requireAuth({ ...base, introspection, apiKeys: { cacheSeconds: 300 } });
    const miss = requireAuth({ ...base, introspection, apiKeys: { cacheSeconds: 0 } });
    log(`api-keys: interleaved (${opts.seconds} s)`);
    const r = await interleaved(
      [
        { name: "jwt reused", app: guarded(jwtAuth), next: bearer(jwts) },
        { name: "key cached", app: guarded(cached), next: bearer(keys) },
        { name: "key miss", app: guarded(miss), next: bearer(keys) },
        { name: "lookup file", app: lookupPerRequest(b.deps.db, secret), next: bearer(keys) },
        { name: "lookup sqld", app: lookupPerRequest(remote.db, secret), next: bearer(remoteKeys) },
      ],
      opts.seconds,
      log,
    );
    const get = (k: string): Rate => r.get(k)!;
    const cs = cached.stats() as unknown as Record<string, number>;
    const ms = miss.stats() as unknown as Record<string, number>;
    const counters = (s: Record<string, number>) => Object.entries(s).filter(([k]) => /key/i.test(k)).map(([k, v]) => `${k} ${v}`).join(", ");
    const rows: BenchRow[] = [
      rateRow(SECTION, "JWT reused through requireAuth", get("jwt reused")),
      rateRow(SECTION, "API key through requireAuth, cache hit", get("key cached"), counters(cs)),
      rateRow(SECTION, "API key through requireAuth, cache miss (one introspection)", get("key miss"), counters(ms)),
      rateRow(SECTION, "database look-up per request (libSQL file)", get("lookup file")),
      rateRow(SECTION, "database look-up per request (sqld over HTTP, as Turso)", get("lookup sqld")),
      ratioRow(SECTION, "cached key / reused JWT", get("key cached"), get("jwt reused"), 0.8),
      ratioRow(SECTION, "cached key / database look-up per request (sqld, as Turso)", get("key cached"), get("lookup sqld"), 5),
      ratioRow(SECTION, "cached key / database look-up per request (libSQL file)", get("key cached"), get("lookup file"), undefined, "an embedded file on the same machine: the cheapest database call there is"),
      ratioRow(SECTION, "cache miss / database look-up per request (sqld, as Turso)", get("key miss"), get("lookup sqld"), undefined, "a miss costs one introspection (the server does the look-up and the owner's entitlements)"),
    ];

    // --- revocation delay bound ---------------------------------------------------------------------
    const bound = 1;
    const watcher = guarded(requireAuth({ ...base, introspection, apiKeys: { cacheSeconds: bound } }));
    const created = await createApiKey(b.deps.db, secret, { owner: { kind: "account", accountId: b.accountId }, name: "revoked", createdBy: "bench" });
    const ask = async () => (await watcher.request("/r", { headers: { authorization: `Bearer ${created.key}` } })).status;
    if ((await ask()) !== 200) throw new Error("the key to revoke was not accepted");
    const revokedAt = performance.now();
    await revokeApiKeyEverywhere(b.deps, created.apiKey, "bench");
    let delay = Number.POSITIVE_INFINITY;
    while (performance.now() - revokedAt < bound * 1000 + 2000) {
      if ((await ask()) === 401) {
        delay = performance.now() - revokedAt;
        break;
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    rows.push({
      section: SECTION,
      name: `revocation delay with cacheSeconds ${bound}: revoke → first refusal`,
      value: Math.round(delay),
      unit: "ms",
      floor: bound * 1000 + 500,
      pass: delay <= bound * 1000 + 500,
      note: `bound = cacheSeconds (default 30 s, at most 300) + the one introspection that refuses; /introspect and the exchange refuse at once; polled every 10 ms`,
    });
    return rows;
  } finally {
    await runCleanups(cleanups, log);
  }
}

/** The api-keys section for `bench/run.ts`. */
export const apiKeys: Section = {
  name: "api-keys",
  title: "API keys beside JWTs and a database look-up per request",
  method: [
    "In-process (`app.request`), 16 requests in flight, variants interleaved in 100 ms slices; ratios are medians of",
    "per-round ratios. 64 keys (personal, owned by an account with entitlements) and 64 JWTs, cycled. *Cache hit*:",
    "`requireAuth({ introspection, apiKeys: { cacheSeconds: 300 } })` after warm-up. *Cache miss*: `cacheSeconds: 0`,",
    "one `/introspect` call per request over HTTP to the server in this same process (its CPU counted here). *Look-up",
    "per request*: a bare route computing the key's keyed hash and reading its row (and owner) with one query, on the",
    "embedded libSQL file and on sqld over HTTP (the remote protocol of Turso, the distributed setup). The revocation",
    "delay is measured with `cacheSeconds: 1`: revoke, then poll every 10 ms until the API refuses.",
  ].join("\n"),
  async run(ctx) {
    const rows = await benchApiKeys({ seconds: ctx.seconds }, ctx.log);
    return toReportRows(SECTION, rows);
  },
};
