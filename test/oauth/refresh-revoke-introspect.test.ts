/**
 * Refresh rotation, revocation and introspection through the HTTP endpoints, on both state stores. Refresh
 * families are started through the service's own API (the authorization-code grant builds on it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema";
import { accounts } from "../../src/db/schema";
import { createClient, disableClient } from "../../src/clients/registry";
import { createServices } from "../../src/services";
import { blockAccountEverywhere } from "../../src/cli/account-commands";
import { newId } from "../../src/lib/ids";
import { createTestApp, type TestApp } from "../support/app";
import { claimsOf, postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "rt-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

interface Setup {
  t: TestApp;
  app: { id: string; secret: string };
  other: { id: string; secret: string };
  /** A resource server allowed to introspect tokens of the default audience. */
  rs: { id: string; secret: string };
  start(opts?: { sub?: string; sid?: string }): Promise<string>;
}

async function setup(store: "embedded" | "upstash", env: Record<string, string> = {}): Promise<Setup> {
  const t = await createTestApp({ store, bridge, env });
  const mk = async (name: string) => {
    const { client, secret } = await createClient(t.deps.db, { name, scopes: ["a", "b"], grants: ["client_credentials", "refresh_token"] });
    return { id: client.id, secret: secret! };
  };
  const app = await mk("app");
  const other = await mk("other");
  const created = await createClient(t.deps.db, { name: "rs", introspectAudiences: [t.deps.config.audience] });
  const rs = { id: created.client.id, secret: created.secret! };
  const services = createServices(t.deps);
  const start = async (opts: { sub?: string; sid?: string } = {}) =>
    (
      await services.refresh.issue({
        clientId: app.id,
        sub: opts.sub ?? app.id,
        sid: opts.sid ?? newId("session"),
        grant: { scopes: ["a", "b"], aud: t.deps.config.audience },
        now: t.deps.now(),
      })
    ).token;
  return { t, app, other, rs, start };
}

const refresh = (s: Setup, token: string, creds = s.app, extra: Record<string, string> = {}) =>
  postForm(s.t.app, "/token", { grant_type: "refresh_token", refresh_token: token, ...extra }, creds);
const introspect = async (s: Setup, token: string, creds = s.app) =>
  (await (await postForm(s.t.app, "/introspect", { token }, creds)).json()) as Record<string, unknown>;

for (const store of ["embedded", "upstash"] as const) {
  describe(`refresh, revocation and introspection (${store} store)`, () => {
    it("rotates: new refresh token each time, the old one becomes invalid after the grace window", async () => {
      const s = await setup(store, { REFRESH_REUSE_GRACE: "0" });
      const first = await s.start();
      const r1 = await refresh(s, first);
      expect(r1.status).toBe(200);
      const b1 = (await r1.json()) as { refresh_token: string; access_token: string; scope: string };
      expect(b1.refresh_token).not.toBe(first);
      expect(b1.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
      expect(b1.scope).toBe("a b");
      expect(claimsOf(b1.access_token)).toMatchObject({ client_id: s.app.id, scope: "a b" });
      const r2 = await refresh(s, b1.refresh_token, s.app, { scope: "a" });
      expect(((await r2.json()) as { scope: string }).scope).toBe("a");
      s.t.close();
    });

    it("one store round trip per refresh", async () => {
      const s = await setup(store);
      let token = await s.start();
      token = ((await (await refresh(s, token)).json()) as { refresh_token: string }).refresh_token; // warm scripts
      const before = s.t.deps.store.roundTrips;
      for (let i = 0; i < 5; i++) token = ((await (await refresh(s, token)).json()) as { refresh_token: string }).refresh_token;
      expect(s.t.deps.store.roundTrips - before).toBe(5);
      s.t.close();
    });

    it("50 parallel refreshes inside the grace window: identical answers, one live successor", async () => {
      const s = await setup(store);
      const token = await s.start();
      const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(s, token)));
      const bodies = await Promise.all(responses.map((r) => r.text()));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(new Set(bodies).size).toBe(1); // byte-identical (Ed25519 signatures are deterministic)
      const { refresh_token: successor } = JSON.parse(bodies[0]!) as { refresh_token: string };
      expect((await refresh(s, successor)).status).toBe(200);
      s.t.close();
    });

    it("50 parallel refreshes with no grace: one winner, 49 invalid_grant, and the replay kills the family", async () => {
      const s = await setup(store, { REFRESH_REUSE_GRACE: "0" });
      const token = await s.start();
      const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(s, token)));
      const ok = responses.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of responses.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(400);
        expect(await r.json()).toMatchObject({ error: "invalid_grant" });
      }
      const { refresh_token: successor } = (await ok[0]!.json()) as { refresh_token: string };
      expect((await refresh(s, successor)).status).toBe(400); // concurrent replays are reuse: family revoked
      s.t.close();
    });

    it("a replay after the grace window revokes the whole family, successor included, and is audited", async () => {
      const s = await setup(store, { REFRESH_REUSE_GRACE: "1" });
      const token = await s.start();
      const { refresh_token: successor } = (await (await refresh(s, token)).json()) as { refresh_token: string };
      await new Promise((r) => setTimeout(r, 2100));
      const replay = await refresh(s, token);
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
      expect((await refresh(s, successor)).status).toBe(400);
      const events = await s.t.deps.db.select().from(auditEvents);
      expect(events.map((e) => e.type)).toContain("refresh.reuse_detected");
      expect(JSON.stringify(events)).not.toContain(token);
      s.t.close();
    });

    it("a refresh token is bound to its client", async () => {
      const s = await setup(store);
      const token = await s.start();
      const stolen = await refresh(s, token, s.other);
      expect(stolen.status).toBe(400);
      expect(await stolen.json()).toMatchObject({ error: "invalid_grant" });
      expect((await refresh(s, token)).status).toBe(200);
      s.t.close();
    });

    it("a refresh cannot widen scope; garbage tokens are invalid_grant", async () => {
      const s = await setup(store);
      const token = await s.start();
      const wider = await refresh(s, token, s.app, { scope: "a c" });
      expect(await wider.json()).toMatchObject({ error: "invalid_scope" });
      for (const junk of ["x", `rt_${"A".repeat(43)}`, "eyJhbGciOiJub25lIn0.e30."]) {
        const res = await refresh(s, junk);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: "invalid_grant" });
      }
      s.t.close();
    });

    it("revoking a refresh token kills its family; introspection agrees", async () => {
      const s = await setup(store);
      const token = await s.start();
      const { refresh_token: live, access_token } = (await (await refresh(s, token)).json()) as { refresh_token: string; access_token: string };
      expect(await introspect(s, live)).toMatchObject({ active: true, client_id: s.app.id, token_type: "refresh_token" });
      // Another client cannot revoke it (answered 200, nothing happens).
      expect((await postForm(s.t.app, "/revoke", { token: live }, s.other)).status).toBe(200);
      expect(await introspect(s, live)).toMatchObject({ active: true });
      const res = await postForm(s.t.app, "/revoke", { token: live, token_type_hint: "refresh_token" }, s.app);
      expect(res.status).toBe(200);
      expect(await introspect(s, live)).toEqual({ active: false });
      expect((await refresh(s, live)).status).toBe(400);
      // RFC 7009 §2.1: the access tokens of the revoked grant go with it.
      expect(await introspect(s, access_token)).toEqual({ active: false });
      s.t.close();
    });

    it("revoking an access token makes introspection inactive; unknown tokens are 200 at /revoke", async () => {
      const s = await setup(store);
      const cc = (await (await postForm(s.t.app, "/token", { grant_type: "client_credentials" }, s.app)).json()) as { access_token: string };
      const info = await introspect(s, cc.access_token);
      expect(info).toMatchObject({ active: true, sub: s.app.id, client_id: s.app.id, scope: "a b", token_type: "Bearer" });
      expect((await postForm(s.t.app, "/revoke", { token: "nonsense" }, s.app)).status).toBe(200);
      expect((await postForm(s.t.app, "/revoke", { token: cc.access_token }, s.other)).status).toBe(200);
      expect(await introspect(s, cc.access_token)).toMatchObject({ active: true });
      expect((await postForm(s.t.app, "/revoke", { token: cc.access_token }, s.app)).status).toBe(200);
      expect(await introspect(s, cc.access_token)).toEqual({ active: false });
      expect((await s.t.deps.db.select().from(auditEvents)).map((e) => e.type)).toContain("token.revoked");
      // Revocation and introspection need an authenticated client.
      expect((await postForm(s.t.app, "/revoke", { token: cc.access_token })).status).toBe(401);
      expect((await postForm(s.t.app, "/introspect", { token: cc.access_token })).status).toBe(401);
      s.t.close();
    });

    it("introspection: inactive for expired tokens, revoked sessions, blocked accounts and disabled clients", async () => {
      const s = await setup(store);
      const now = s.t.deps.now();
      // A user token: the account exists so that it can be blocked.
      const accountId = newId("account");
      await s.t.deps.db.insert(accounts).values({ id: accountId, kind: "user", createdAt: now });
      const sid = newId("session");
      const userRefresh = await s.start({ sub: accountId, sid });
      const user = (await (await refresh(s, userRefresh)).json()) as { access_token: string; refresh_token: string };
      expect(await introspect(s, user.access_token)).toMatchObject({ active: true, sub: accountId, sid });
      await s.t.deps.store.revoke([{ kind: "session", id: sid, at: s.t.deps.now(), ttlSeconds: 60 }]);
      expect(await introspect(s, user.access_token)).toEqual({ active: false });
      expect(await introspect(s, user.refresh_token)).toEqual({ active: false });

      const other = await s.start({ sub: accountId });
      const second = (await (await refresh(s, other)).json()) as { access_token: string; refresh_token: string };
      await blockAccountEverywhere(s.t.deps, accountId);
      expect(await introspect(s, second.access_token)).toEqual({ active: false });
      expect((await refresh(s, second.refresh_token)).status).toBe(400);
      expect((await s.t.deps.db.select().from(auditEvents)).map((e) => e.type)).toContain("account.blocked");

      const cc = (await (await postForm(s.t.app, "/token", { grant_type: "client_credentials" }, s.other)).json()) as { access_token: string };
      expect(await introspect(s, cc.access_token, s.rs)).toMatchObject({ active: true });
      await disableClient(s.t.deps.db, s.other.id);
      expect(await introspect(s, cc.access_token, s.rs)).toEqual({ active: false });

      const fresh = (await (await postForm(s.t.app, "/token", { grant_type: "client_credentials" }, s.app)).json()) as { access_token: string };
      s.t.advance(601_000);
      expect(await introspect(s, fresh.access_token)).toEqual({ active: false });
      s.t.close();
    });
  });
}

describe("a refused refresh does not spend the token (embedded store, driven clock)", () => {
  it("asking for a scope the family never had, then the right request after the grace window, works", async () => {
    const s = await setup("embedded", { REFRESH_REUSE_GRACE: "1" });
    const token = await s.start();
    const wider = await refresh(s, token, s.app, { scope: "a c" });
    expect(await wider.json()).toMatchObject({ error: "invalid_scope" });
    s.t.advance(5_000); // well past the grace window: a spent token would now count as reuse
    expect((await refresh(s, token)).status).toBe(200);
    expect((await s.t.deps.db.select().from(auditEvents)).map((e) => e.type)).not.toContain("refresh.reuse_detected");
    s.t.close();
  });
});

describe("refresh expiry (embedded store, driven clock)", () => {
  it("idle expiry: a token unused for REFRESH_IDLE_TTL is gone", async () => {
    const s = await setup("embedded", { REFRESH_IDLE_TTL: "60", REFRESH_TOKEN_TTL: "3600" });
    const token = await s.start();
    s.t.advance(30_000);
    const { refresh_token: next } = (await (await refresh(s, token)).json()) as { refresh_token: string };
    s.t.advance(59_000);
    const { refresh_token: third } = (await (await refresh(s, next)).json()) as { refresh_token: string };
    s.t.advance(61_000);
    expect((await refresh(s, third)).status).toBe(400);
    s.t.close();
  });

  it("absolute expiry: the family ends at REFRESH_TOKEN_TTL however often it is used", async () => {
    const s = await setup("embedded", { REFRESH_IDLE_TTL: "60", REFRESH_TOKEN_TTL: "100" });
    let token = await s.start();
    for (let i = 0; i < 2; i++) {
      s.t.advance(45_000);
      const res = await refresh(s, token);
      expect(res.status).toBe(200);
      token = ((await res.json()) as { refresh_token: string }).refresh_token;
    }
    s.t.advance(11_000);
    expect((await refresh(s, token)).status).toBe(400);
    s.t.close();
  });
});
