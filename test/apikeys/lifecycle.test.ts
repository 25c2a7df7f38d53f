/**
 * API keys end to end on both state stores, against the real app with the GitHub fake: a personal key is
 * introspected and exchanged; when its owner leaves the GitHub team (re-synced after ENTITLEMENTS_MAX_AGE)
 * the scope is gone from both paths; revoking it — or blocking its owner, or disabling its client — refuses
 * it everywhere at once, and ends the JWTs exchanged from it. Keys never reach the audit table.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWellFormedApiKey } from "../../src/apikeys/format";
import { createApiKey, getApiKey } from "../../src/apikeys/registry";
import { revokeApiKeyEverywhere } from "../../src/apikeys/revoke";
import { blockAccountEverywhere } from "../../src/cli/account-commands";
import { disableClientEverywhere } from "../../src/cli/client-commands";
import { createClient } from "../../src/clients/registry";
import { auditEvents } from "../../src/db/schema";
import { requireAuth } from "../../src/verify";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, fakeProviderEnv, FakeBrowser, startFakes, type World } from "../support/fakes";
import { authorizeUrl, followUntil, pkce } from "../support/login";
import { claimsOf, postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const KEY_TYPE = "urn:authbridge:token-type:api-key";
const MAX_AGE_MS = 900_000;
const RULES = {
  roles: { maintainer: ["repos:read", "repos:write"], member: ["repos:read"] },
  rules: [
    { when: { provider: "github", org: "acme" }, grant: ["role:member"] },
    { when: { provider: "github", team: "acme/platform" }, grant: ["role:maintainer"] },
  ],
};

let world: World;
let fakes: ReturnType<typeof startFakes>;
let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  world = await createWorld(ISSUER);
  fakes = startFakes(world);
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "api-keys-token" });
});
afterAll(async () => {
  fakes?.close();
  await bridge?.stop();
  await redis?.stop();
});

type Json = Record<string, unknown>;

describe.each(["embedded", "upstash"] as const)("API keys (%s store)", (store) => {
  let t: TestApp;
  let rs: { id: string; secret: string };
  let web: string;
  let api: Hono;
  /** An API accepting keys directly (requireAuth with apiKeys, answers reused for 5 s), over HTTP to the app. */
  let direct: { request(path: string, init: RequestInit): Response | Promise<Response> };
  let server: Server;
  let nextUser = store === "embedded" ? 7100 : 7200;

  beforeAll(async () => {
    t = await createTestApp({ store, bridge, env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_RULES: JSON.stringify(RULES), ...fakeProviderEnv() } });
    web = (await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] })).client.id;
    const created = await createClient(t.deps.db, { name: "api", grants: ["client_credentials"], introspectAudiences: [t.deps.config.audience] });
    rs = { id: created.client.id, secret: created.secret! };
    const jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: [] };
    api = new Hono().get("/r", requireAuth({ issuer: ISSUER, audience: t.deps.config.audience, keys: jwks, revocation: "store", store: t.deps.store, now: t.deps.now }), (c) => c.text("ok"));
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
    const keyAuth = requireAuth({ issuer: ISSUER, audience: t.deps.config.audience, keys: jwks, introspection: { url, clientId: rs.id, clientSecret: rs.secret }, apiKeys: { cacheSeconds: 5 }, now: t.deps.now });
    direct = new Hono<{ Variables: { auth: { scopes: readonly string[]; tokenType: string } } }>().get("/r", keyAuth, (c) => c.json({ scopes: c.var.auth.scopes, tokenType: c.var.auth.tokenType }));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    t?.close();
  });

  /** A person logged in through the GitHub fake (in acme, on acme/platform): their account id. */
  async function person(teams = ["acme/platform"]): Promise<{ accountId: string; userId: number }> {
    const userId = nextUser++;
    world.github.users.set(userId, { id: userId, login: `u${userId}`, emails: [{ email: `u${userId}@example.com`, primary: true, verified: true }], orgs: ["acme"], teams });
    world.github.browser.userId = userId;
    const { verifier, challenge } = pkce();
    const q = { response_type: "code", client_id: web, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", provider: "github", scope: "repos:read" };
    const { landed, visited } = await followUntil(new FakeBrowser(t.app, ISSUER), authorizeUrl(ISSUER, q), CB);
    if (!landed) throw new Error(`login did not finish: ${visited.join(" -> ")}`);
    const res = await postForm(t.app, "/token", { grant_type: "authorization_code", code: landed.searchParams.get("code")!, redirect_uri: CB, code_verifier: verifier, client_id: web });
    expect(res.status).toBe(200);
    return { accountId: String(claimsOf(((await res.json()) as { access_token: string }).access_token).sub), userId };
  }

  const introspect = async (token: string): Promise<Json> => {
    const res = await postForm(t.app, "/introspect", { token }, rs);
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };
  const exchange = (key: string, extra: Record<string, string> = {}, client?: { id: string; secret: string }) =>
    postForm(t.app, "/token", { grant_type: EXCHANGE, subject_token: key, subject_token_type: KEY_TYPE, ...extra }, client);
  const bearer = (token: string) => api.request("/r", { headers: { authorization: `Bearer ${token}` } });
  /** The key used directly: the status and, when accepted, the scopes the API saw. */
  const useDirectly = async (key: string) => {
    const res = await direct.request("/r", { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, ...(res.status === 200 ? ((await res.json()) as { scopes: string[]; tokenType: string }) : {}) };
  };

  it("create → introspect and exchange → the owner leaves the team → the scope is gone from both → revoke → refused everywhere", async () => {
    const { accountId, userId } = await person();
    const { key, apiKey } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId }, name: "deploy", scopes: ["repos:read", "repos:write"], createdBy: accountId }, t.deps.now());
    expect(isWellFormedApiKey(key)).toBe(true);

    expect(await introspect(key)).toMatchObject({ active: true, token_type: "api_key", scope: "repos:read repos:write", sub: accountId, key_id: apiKey.id, roles: ["maintainer", "member"] });
    const res = await exchange(key);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string; issued_token_type: string; expires_in: number };
    expect(body).toMatchObject({ scope: "repos:read repos:write", issued_token_type: "urn:ietf:params:oauth:token-type:access_token" });
    expect(body.expires_in).toBeLessThanOrEqual(t.deps.config.accessTokenTtl);
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({ sub: accountId, client_id: apiKey.id, gid: apiKey.id, aud: t.deps.config.audience });
    expect((await bearer(body.access_token)).status).toBe(200);
    expect(await useDirectly(key)).toEqual({ status: 200, scopes: ["repos:read", "repos:write"], tokenType: "api_key" });

    // Upstream change: no longer on acme/platform. Once the entitlements are older than the max age, the
    // next use re-syncs from GitHub.
    world.github.users.get(userId)!.teams = [];
    t.advance(MAX_AGE_MS + 1000);
    expect(await introspect(key)).toMatchObject({ active: true, scope: "repos:read", roles: ["member"] });
    const narrowed = (await (await exchange(key)).json()) as { access_token: string; scope: string };
    expect(narrowed.scope).toBe("repos:read");
    expect((await exchange(key, { scope: "repos:write" })).status).toBe(200); // not an error: left out
    expect(((await (await exchange(key, { scope: "repos:write" })).json()) as { scope: string }).scope).toBe("");
    expect(await useDirectly(key)).toEqual({ status: 200, scopes: ["repos:read"], tokenType: "api_key" });

    await revokeApiKeyEverywhere(t.deps, (await getApiKey(t.deps.db, apiKey.id))!, accountId);
    expect(await introspect(key)).toEqual({ active: false });
    const refused = await exchange(key);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
    // What was exchanged before the revocation ends with it.
    expect(await introspect(narrowed.access_token)).toEqual({ active: false });
    expect((await bearer(narrowed.access_token)).status).toBe(401);
    // Directly: still the cached answer inside the API's bound (5 s), refused after it.
    expect((await useDirectly(key)).status).toBe(200);
    t.advance(5_001);
    expect((await useDirectly(key)).status).toBe(401);

    const rows = await t.deps.db.select().from(auditEvents);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4, 30));
    expect(rows.filter((r) => r.type === "api_key.created" || r.type === "api_key.revoked").map((r) => r.type)).toEqual(expect.arrayContaining(["api_key.created", "api_key.revoked"]));
  });

  it("a key with a bad checksum is refused without a look-up: it is refused even while the database is down", async () => {
    const { accountId } = await person();
    const { key } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId }, name: "ci", createdBy: "cli" }, t.deps.now());
    const last = key.at(-1) === "A" ? "B" : "A";
    const noisy = key.slice(0, -1) + last;
    expect(isWellFormedApiKey(noisy)).toBe(false);

    // A second app over a database that does not answer: a well-formed key needs it, noise does not.
    const down = await createTestApp({ store, bridge, env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_RULES: JSON.stringify(RULES) } });
    try {
      down.deps.dbClient.close();
      const exchangeOn = (k: string) => postForm(down.app, "/token", { grant_type: EXCHANGE, subject_token: k, subject_token_type: KEY_TYPE });
      const bad = await exchangeOn(noisy);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: "invalid_grant" });
      // A well-formed key does reach the (closed) database: no answer can be given without it.
      expect((await exchangeOn(key)).status).toBeGreaterThanOrEqual(500);
    } finally {
      down.close();
    }
  });

  it("blocking the owner refuses the key at once, audits the first refused use once, and an unblock does not bring it back", async () => {
    const { accountId } = await person([]);
    const { key, apiKey } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId }, name: "bot", createdBy: "cli" }, t.deps.now());
    const exchanged = (await (await exchange(key)).json()) as { access_token: string; scope: string };
    expect(exchanged.scope).toBe("repos:read"); // no --scopes: whatever the owner has
    t.advance(1000);
    await blockAccountEverywhere(t.deps, accountId);
    expect(await introspect(key)).toEqual({ active: false });
    expect((await exchange(key)).status).toBe(400);
    expect((await exchange(key)).status).toBe(400);
    expect(await introspect(exchanged.access_token)).toEqual({ active: false });
    const refusals = (await t.deps.db.select().from(auditEvents)).filter((r) => r.type === "api_key.refused_after_block" && JSON.parse(r.detail).key_id === apiKey.id);
    expect(refusals).toHaveLength(1);

    const { unblockAccountEverywhere } = await import("../../src/cli/account-commands");
    await unblockAccountEverywhere(t.deps, accountId);
    expect(await introspect(key)).toEqual({ active: false });
  });

  it("a service key carries its client's scopes, is introspected by its client, and dies with the client", async () => {
    const { client, secret } = await createClient(t.deps.db, { name: "integration", grants: ["client_credentials", EXCHANGE as "client_credentials"], scopes: ["events:write", "events:read"] });
    const { key, apiKey } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "client", clientId: client.id }, name: "svc", scopes: ["events:write", "admin"], createdBy: "cli" }, t.deps.now());
    const own = (await (await postForm(t.app, "/introspect", { token: key }, { id: client.id, secret: secret! })).json()) as Json;
    expect(own).toMatchObject({ active: true, sub: client.id, client_id: client.id, scope: "events:write" });

    const other = await createClient(t.deps.db, { name: "stranger", grants: [EXCHANGE as "client_credentials"] });
    expect(await (await postForm(t.app, "/introspect", { token: key }, { id: other.client.id, secret: other.secret! })).json()).toEqual({ active: false });
    expect((await exchange(key, {}, { id: other.client.id, secret: other.secret! })).status).toBe(400); // not its key

    const ok = (await (await exchange(key)).json()) as { access_token: string; scope: string };
    expect(ok.scope).toBe("events:write");
    expect(claimsOf(ok.access_token)).toMatchObject({ sub: client.id, client_id: client.id, gid: apiKey.id });
    t.advance(1000);
    await disableClientEverywhere(t.deps, client.id);
    expect(await introspect(key)).toEqual({ active: false });
    expect((await exchange(key)).status).toBe(400);
    expect(await introspect(ok.access_token)).toEqual({ active: false });
  });

  it("an expired key is refused; an exchanged token never outlives its key", async () => {
    const { accountId } = await person();
    const { key } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId }, name: "short", expiresInSeconds: 120, createdBy: "cli" }, t.deps.now());
    const intro = await introspect(key);
    expect(intro.exp).toBe(Math.floor((t.deps.now() + 120_000) / 1000));
    t.advance(100_000);
    const body = (await (await exchange(key)).json()) as { expires_in: number };
    expect(body.expires_in).toBeLessThanOrEqual(20);
    t.advance(21_000);
    expect(await introspect(key)).toEqual({ active: false });
    expect((await exchange(key)).status).toBe(400);
  });

  it("a personal key exchanged on its own gets the default audience only; other grant types still need a client", async () => {
    const { accountId } = await person();
    const { key } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId }, name: "aud", createdBy: "cli" }, t.deps.now());
    const res = await exchange(key, { audience: "https://elsewhere.example" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_target" });
    const github = await postForm(t.app, "/token", { grant_type: EXCHANGE, subject_token: "ghp_x", subject_token_type: "urn:authbridge:token-type:github" });
    expect(github.status).toBe(401);
    expect(await github.json()).toMatchObject({ error: "invalid_client" });
  });

  it("last_used_at is written at most once a minute", async () => {
    const { accountId } = await person();
    const { key, apiKey } = await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId }, name: "busy", createdBy: "cli" }, t.deps.now());
    await introspect(key);
    const first = (await getApiKey(t.deps.db, apiKey.id))!.lastUsedAt;
    expect(first).not.toBeNull();
    t.advance(30_000);
    await introspect(key);
    expect((await getApiKey(t.deps.db, apiKey.id))!.lastUsedAt).toBe(first);
    t.advance(31_000);
    await introspect(key);
    expect((await getApiKey(t.deps.db, apiKey.id))!.lastUsedAt).toBeGreaterThan(first!);
  });
});
