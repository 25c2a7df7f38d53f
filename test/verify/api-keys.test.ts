/**
 * API keys presented directly to `requireAuth({ …, introspection, apiKeys })` (authbridge/verify), against
 * the REAL server over HTTP on both stores (embedded, and Upstash through the bridge in front of
 * redis-server): keys made with the server's own registry, revoked with its own revocation and owner
 * block, introspected by a resource-server client at the real `/introspect`. The server counts every
 * `/introspect` it receives, so "no network call" is checked where the call would land.
 *
 * SECURITY.md lines covered: "API keys: only a hash at rest; a bad checksum is refused before any look-up;
 * never logged", "API keys never as JWTs or vice versa", and the block line's "an API key".
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { resolveLogin } from "../../src/accounts/identities";
import { deriveAndPublish } from "../../src/accounts/published-entitlements";
import { createApp } from "../../src/app";
import { generateApiKey } from "../../src/apikeys/format";
import { createApiKey, type ApiKey } from "../../src/apikeys/registry";
import { revokeApiKeyEverywhere } from "../../src/apikeys/revoke";
import { blockAccountEverywhere } from "../../src/cli/account-commands";
import { createClient } from "../../src/clients/registry";
import type { AppDeps } from "../../src/deps";
import { createLogger } from "../../src/lib/log";
import { deriveKey } from "../../src/lib/secret";
import { requireAuth, requireRoles, requireScopes, type AuthInfo, type AuthVariables, type RequireAuthOptions } from "../../src/verify";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

const AUD = "https://api.example";
const RULES = {
  roles: { maintainer: ["reports:read", "reports:write"] },
  rules: [{ when: { provider: "github", org: "acme" }, grant: ["role:maintainer"] }],
};

/** The real app on real adapters, its log lines captured, served over HTTP, with a clock both sides share. */
interface Issuer {
  t: TestApp;
  /** The deps with the capturing logger (what the CLI functions are given). */
  deps: AppDeps;
  url: string;
  /** Every log line the server wrote (request log, warnings, CLI messages). */
  lines: string[];
  /** `/introspect` requests the server received. */
  introspections(): number;
  /** The middleware's clock; moved together with the server's. */
  now(): number;
  advance(ms: number): void;
  /** A resource-server client allowed to introspect (`--introspect https://api.example`). */
  api: { id: string; secret: string };
  close(): Promise<void>;
}

async function startIssuer(store: "embedded" | "upstash", bridge?: UpstashBridge): Promise<Issuer> {
  const t = await createTestApp({ store, ...(bridge ? { bridge } : {}), env: { AUTHBRIDGE_AUDIENCE: AUD, AUTHBRIDGE_RULES: JSON.stringify(RULES) } });
  const lines: string[] = [];
  const logger = createLogger({ format: "json", level: "debug", write: (line) => lines.push(line) });
  const deps: AppDeps = { ...t.deps, logger };
  const app = createApp(deps);
  let hits = 0;
  let offset = 0;
  const server = await new Promise<http.Server>((resolve) => {
    const s = serve(
      {
        fetch: (req: Request) => {
          if (new URL(req.url).pathname === "/introspect") hits++;
          return app.fetch(req);
        },
        port: 0,
        hostname: "127.0.0.1",
      },
      () => resolve(s as http.Server),
    );
  });
  const { client, secret } = await createClient(t.deps.db, { name: "reports-api", grants: ["client_credentials"], introspectAudiences: [AUD] });
  return {
    t,
    deps,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lines,
    introspections: () => hits,
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
      t.advance(ms);
    },
    api: { id: client.id, secret: secret! },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      t.close();
    },
  };
}

type Protected = { app: Hono<{ Variables: AuthVariables }>; mw: ReturnType<typeof requireAuth> };

/** An API guarding `/r` (echoes `c.var.auth`), `/write` (requireScopes) and `/admin` (requireRoles). */
function protectedApi(s: Issuer, over: Partial<RequireAuthOptions> = {}): Protected {
  const jwksUrl = `${s.url}/.well-known/jwks.json`;
  const mw = requireAuth({
    issuer: s.t.deps.config.issuer,
    audience: AUD,
    jwksUrl,
    introspection: { url: `${s.url}/introspect`, clientId: s.api.id, clientSecret: s.api.secret },
    apiKeys: { cacheSeconds: 30 },
    now: s.now,
    ...over,
  });
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get("/r", mw, (c) => {
    const auth: AuthInfo = c.var.auth;
    expectTypeOf(auth.tokenType).toEqualTypeOf<"jwt" | "api_key">();
    expectTypeOf(auth.claims.jti).toEqualTypeOf<string>();
    expectTypeOf(auth.sid).toEqualTypeOf<string | undefined>();
    if (auth.tokenType === "api_key") expectTypeOf(auth.keyId).toEqualTypeOf<string>();
    return c.json({ tokenType: auth.tokenType, keyId: auth.keyId ?? null, sub: auth.sub, clientId: auth.clientId, scopes: auth.scopes, roles: auth.roles, sid: auth.sid ?? null, claims: auth.claims });
  });
  app.get("/write", mw, requireScopes("reports:write"), (c) => c.text("written"));
  app.get("/admin", mw, requireRoles("maintainer"), (c) => c.text("hello"));
  return { app, mw };
}

const call = (p: Protected, key?: string, path = "/r") => p.app.request(path, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });

async function expectInvalid(res: Response, description?: RegExp): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+"$/);
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe("invalid_token");
  if (description) expect(body.error_description).toMatch(description);
}

/** A service key owned by a new client allowed `reports:read reports:write`. */
async function serviceKey(s: Issuer, scopes = ["reports:read"], expiresInSeconds?: number): Promise<{ key: string; apiKey: ApiKey; owner: string }> {
  const { client } = await createClient(s.t.deps.db, { name: "svc", grants: ["client_credentials"], scopes: ["reports:read", "reports:write"] });
  const made = await createApiKey(s.t.deps.db, s.t.deps.config.secret, {
    owner: { kind: "client", clientId: client.id },
    name: "ci",
    scopes,
    ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
    createdBy: "test",
  }, s.t.deps.now());
  return { ...made, owner: client.id };
}

let people = 0;
/** A person (GitHub, org acme → role maintainer) and a personal key of theirs. */
async function personalKey(s: Issuer, opts: { scopes?: string[]; expiresInSeconds?: number } = {}): Promise<{ key: string; apiKey: ApiKey; accountId: string }> {
  const now = s.t.deps.now();
  const sealKey = await deriveKey(s.t.deps.config.secret, "provider-token-encryption");
  const { accountId } = await resolveLogin(
    s.t.deps.db,
    { provider: "github", subject: String(9000 + ++people), username: `person${people}`, emailVerified: false, facts: { provider: "github", orgs: ["acme"], teams: [] } },
    { intent: "login", sealKey, now },
  );
  await deriveAndPublish(s.t.deps, s.t.deps.config.rules, accountId, now);
  const made = await createApiKey(s.t.deps.db, s.t.deps.config.secret, {
    owner: { kind: "account", accountId },
    name: "laptop",
    ...(opts.scopes ? { scopes: opts.scopes } : {}),
    ...(opts.expiresInSeconds !== undefined ? { expiresInSeconds: opts.expiresInSeconds } : {}),
    createdBy: accountId,
  }, now);
  return { ...made, accountId };
}

/** The same key with its last checksum character changed: right shape and length, wrong checksum. */
function badChecksum(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
}

// ---------------------------------------------------------------------------------------------------------

let redis: TestRedis | undefined;
let bridge: UpstashBridge | undefined;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "api-keys-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

for (const store of ["embedded", "upstash"] as const) {
  describe(`API keys through requireAuth (${store} store)`, () => {
    let s: Issuer;
    beforeAll(async () => {
      s = await startIssuer(store, store === "upstash" ? bridge : undefined);
    });
    afterAll(() => s?.close());

    it("a live service key → 200 with tokenType api_key, the owner as sub, its scopes and synthesised claims; reuse costs no call", async () => {
      const p = protectedApi(s);
      const { key, apiKey, owner } = await serviceKey(s);
      const before = s.introspections();
      const res = await call(p, key);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown> & { claims: Record<string, unknown> };
      expect(body).toMatchObject({ tokenType: "api_key", keyId: apiKey.id, sub: owner, clientId: owner, scopes: ["reports:read"], roles: [], sid: null });
      expect(body.claims).toEqual({
        iss: s.t.deps.config.issuer,
        sub: owner,
        aud: AUD,
        iat: Math.floor(apiKey.createdAt / 1000),
        jti: apiKey.id,
        client_id: owner,
        scope: "reports:read",
        roles: [],
      });
      for (let i = 0; i < 5; i++) expect((await call(p, key)).status).toBe(200);
      expect(s.introspections() - before).toBe(1);
      expect(p.mw.stats()).toMatchObject({ keyIntrospections: 1, keyCacheHits: 5, verifications: 0, introspections: 0 });
    });

    it("a personal key → the account as sub, the key id as clientId, the account's roles, exp when the key expires", async () => {
      const p = protectedApi(s);
      const { key, apiKey, accountId } = await personalKey(s, { scopes: ["reports:read"], expiresInSeconds: 3600 });
      const res = await call(p, key);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown> & { claims: Record<string, unknown> };
      expect(body).toMatchObject({ tokenType: "api_key", keyId: apiKey.id, sub: accountId, clientId: apiKey.id, scopes: ["reports:read"], roles: ["maintainer"] });
      expect(body.claims).toMatchObject({ sub: accountId, client_id: apiKey.id, jti: apiKey.id, exp: Math.floor(apiKey.expiresAt! / 1000) });
      expect((await call(p, key, "/admin")).status).toBe(200);
    });

    it("a revoked key is still accepted inside the cache bound and refused after it", async () => {
      const p = protectedApi(s);
      const { key, apiKey } = await serviceKey(s);
      expect((await call(p, key)).status).toBe(200);
      await revokeApiKeyEverywhere(s.deps, apiKey, "test");
      // 25 s, not 29: the real time the steps take (on a loaded machine) adds to the clock moved here.
      s.advance(25_000);
      expect((await call(p, key)).status).toBe(200); // the documented delay: at most cacheSeconds
      expect(p.mw.stats().keyIntrospections).toBe(1);
      s.advance(6_000);
      await expectInvalid(await call(p, key), /API key is not valid/);
      expect(p.mw.stats().keyIntrospections).toBe(2);
      // The refusal is cached too: the next request costs no call.
      await expectInvalid(await call(p, key));
      expect(p.mw.stats().keyIntrospections).toBe(2);
    });

    it("blocking the owner: the key is still accepted inside the bound and refused after it", async () => {
      const p = protectedApi(s);
      const { key, accountId } = await personalKey(s);
      expect((await call(p, key)).status).toBe(200);
      await blockAccountEverywhere(s.deps, accountId);
      s.advance(25_000);
      expect((await call(p, key)).status).toBe(200);
      s.advance(6_000);
      await expectInvalid(await call(p, key), /API key is not valid/);
    });

    it("a bad checksum → 401 with no introspection at all", async () => {
      const p = protectedApi(s);
      const { key } = await serviceKey(s);
      const before = s.introspections();
      await expectInvalid(await call(p, badChecksum(key)), /malformed API key/);
      await expectInvalid(await call(p, `${key}x`), /malformed API key/);
      await expectInvalid(await call(p, "abk_short"), /malformed API key/);
      expect(s.introspections() - before).toBe(0);
      expect(p.mw.stats()).toMatchObject({ keyIntrospections: 0, keyCacheHits: 0 });
    });

    it("the key never appears in any log line of the server", async () => {
      const p = protectedApi(s);
      const { key, apiKey } = await serviceKey(s);
      const personal = await personalKey(s);
      expect((await call(p, key)).status).toBe(200);
      expect((await call(p, personal.key)).status).toBe(200);
      await revokeApiKeyEverywhere(s.deps, apiKey, "test");
      await blockAccountEverywhere(s.deps, personal.accountId);
      s.advance(31_000);
      await expectInvalid(await call(p, key));
      await expectInvalid(await call(p, personal.key));
      expect(s.lines.some((l) => l.includes("/introspect"))).toBe(true); // the request log was captured
      const leaked = s.lines.filter((l) => l.includes(key) || l.includes(personal.key) || l.includes(key.slice(4, 30)) || l.includes(personal.key.slice(4, 30)));
      expect(leaked).toEqual([]);
    });
  });
}

describe("API keys through requireAuth: options, scopes, caching and failures (embedded store)", () => {
  let s: Issuer;
  beforeAll(async () => {
    s = await startIssuer("embedded");
  });
  afterAll(() => s?.close());

  it("without the apiKeys option a key is refused (401) and never sent anywhere", async () => {
    const p = protectedApi(s, { apiKeys: undefined });
    const { key } = await serviceKey(s);
    const before = s.introspections();
    await expectInvalid(await call(p, key), /API keys are not accepted here/);
    expect(s.introspections() - before).toBe(0);
  });

  it("insufficient scope → 403 insufficient_scope: the scopes option, requireScopes and requireRoles", async () => {
    const { key } = await serviceKey(s, ["reports:read"]);
    const withScopes = protectedApi(s, { scopes: ["reports:write"] });
    const denied = await call(withScopes, key);
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toMatch(/error="insufficient_scope", scope="reports:write"/);
    const p = protectedApi(s);
    expect((await call(p, key, "/write")).status).toBe(403);
    expect((await call(p, key, "/admin")).status).toBe(403);
    const writer = await serviceKey(s, ["reports:read", "reports:write"]);
    expect((await call(p, writer.key, "/write")).status).toBe(200);
    expect((await call(withScopes, writer.key)).status).toBe(200);
  });

  it("a JWT still works beside keys, as tokenType jwt", async () => {
    const { client, secret } = await createClient(s.t.deps.db, { name: "jwt-caller", grants: ["client_credentials"], scopes: ["reports:read"] });
    const res = await postForm(s.t.app, "/token", { grant_type: "client_credentials", scope: "reports:read" }, { id: client.id, secret: secret! });
    const token = ((await res.json()) as { access_token: string }).access_token;
    const answer = await call(protectedApi(s), token);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ tokenType: "jwt", keyId: null, sub: client.id });
  });

  it("a well-formed key the issuer does not know → 401; the refusal is reused within the window", async () => {
    const p = protectedApi(s);
    const stranger = generateApiKey(); // right checksum, never registered
    const before = s.introspections();
    await expectInvalid(await call(p, stranger), /not valid/);
    await expectInvalid(await call(p, stranger), /not valid/);
    expect(s.introspections() - before).toBe(1);
    expect(p.mw.stats()).toMatchObject({ keyIntrospections: 1, keyCacheHits: 1 });
    // Refusals are kept apart from live answers: a live key beside them is served as usual.
    const { key } = await serviceKey(s);
    expect((await call(p, key)).status).toBe(200);
  });

  it("made-up keys past maxLookupsPerMinute wait (503) without reaching the issuer; keys already answered keep working", async () => {
    let now = Date.now();
    const p = protectedApi(s, { apiKeys: { cacheSeconds: 30, maxLookupsPerMinute: 3 }, now: () => now });
    const { key } = await serviceKey(s);
    expect((await call(p, key)).status).toBe(200); // one of the three
    const before = s.introspections();
    for (let i = 0; i < 2; i++) await expectInvalid(await call(p, generateApiKey()), /not valid/);
    const flood = await call(p, generateApiKey());
    expect(flood.status).toBe(503);
    expect(await flood.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect(flood.headers.get("retry-after")).toBeTruthy();
    expect(s.introspections() - before).toBe(2);
    // The key answered before is served from its answer meanwhile.
    expect((await call(p, key)).status).toBe(200);
    // The budget refills with time: a minute brings back all three.
    now += 60_000;
    for (let i = 0; i < 3; i++) await expectInvalid(await call(p, generateApiKey()), /not valid/);
    expect((await call(p, generateApiKey())).status).toBe(503);
  });

  it("a key seen live is asked about whenever its answer is due, budget or not (cacheSeconds: 0)", async () => {
    const p = protectedApi(s, { apiKeys: { cacheSeconds: 0, maxLookupsPerMinute: 2 } });
    const { key } = await serviceKey(s);
    const before = s.introspections();
    for (let i = 0; i < 5; i++) expect((await call(p, key)).status).toBe(200);
    expect(s.introspections() - before).toBe(5);
    // The budget (one left after the key's first look-up) still bounds made-up keys.
    await expectInvalid(await call(p, generateApiKey()), /not valid/);
    expect((await call(p, generateApiKey())).status).toBe(503);
    expect((await call(p, key)).status).toBe(200);
  });

  it("concurrent requests for one key share one introspection", async () => {
    const p = protectedApi(s);
    const { key } = await serviceKey(s);
    const before = s.introspections();
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(p, key)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(s.introspections() - before).toBe(1);
    expect(p.mw.stats().keyIntrospections).toBe(1);
  });

  it("cacheSeconds: 0 asks on every request; a key's answer never outlives the key's exp", async () => {
    const uncached = protectedApi(s, { apiKeys: { cacheSeconds: 0 } });
    const { key } = await serviceKey(s);
    for (let i = 0; i < 3; i++) expect((await call(uncached, key)).status).toBe(200);
    expect(uncached.mw.stats()).toMatchObject({ keyIntrospections: 3, keyCacheHits: 0 });

    const long = protectedApi(s, { apiKeys: { cacheSeconds: 300 } });
    const shortLived = await serviceKey(s, ["reports:read"], 60);
    expect((await call(long, shortLived.key)).status).toBe(200);
    s.advance(50_000);
    expect((await call(long, shortLived.key)).status).toBe(200);
    expect(long.mw.stats().keyIntrospections).toBe(1);
    s.advance(11_000);
    await expectInvalid(await call(long, shortLived.key));
    expect(long.mw.stats().keyIntrospections).toBe(2);
  });

  it("a client not allowed to introspect keys gets them refused (the issuer says inactive)", async () => {
    const { client, secret } = await createClient(s.t.deps.db, { name: "not-a-resource-server", grants: ["client_credentials"] });
    const p = protectedApi(s, { introspection: { url: `${s.url}/introspect`, clientId: client.id, clientSecret: secret! } });
    const { key } = await serviceKey(s);
    await expectInvalid(await call(p, key), /not valid/);
  });

  it("introspection unreachable, or our client credentials wrong → 503, not 401; nothing cached", async () => {
    const { key } = await serviceKey(s);
    const dead = protectedApi(s, { introspection: { url: "http://127.0.0.1:9/introspect", clientId: "x", clientSecret: "y", timeoutMs: 500 } });
    const down = await call(dead, key);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: "temporarily_unavailable" });
    const wrong = protectedApi(s, { introspection: { url: `${s.url}/introspect`, clientId: s.api.id, clientSecret: "secret_wrong" } });
    expect((await call(wrong, key)).status).toBe(503);
    expect((await call(wrong, key)).status).toBe(503);
    expect(wrong.mw.stats()).toMatchObject({ keyIntrospections: 2, keyCacheHits: 0 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["apiKeys without introspection", { introspection: undefined }, /apiKeys: needs the introspection option/],
    ["cacheSeconds over 300", { apiKeys: { cacheSeconds: 301 } }, /apiKeys\.cacheSeconds/],
    ["a negative cacheSeconds", { apiKeys: { cacheSeconds: -1 } }, /apiKeys\.cacheSeconds/],
    ["a fractional maxEntries", { apiKeys: { maxEntries: 1.5 } }, /apiKeys\.maxEntries/],
    ["apiKeys that is not an object", { apiKeys: true }, /apiKeys: must be an object/],
  ])("options: refuses %s at creation", (_, over, message) => {
    expect(() => protectedApi(s, over as Partial<RequireAuthOptions>)).toThrow(message);
  });

  it("options: apiKeys with introspection but revocation off is fine (revocation concerns JWTs only)", () => {
    expect(() => protectedApi(s, { revocation: "off" })).not.toThrow();
    expect(() => protectedApi(s, { revocation: "introspect" })).not.toThrow();
  });
});
