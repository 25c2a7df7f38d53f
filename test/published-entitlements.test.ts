/**
 * Entitlements published next to the refresh families: a refresh takes them from its one store round
 * trip while they are fresh (no database read), never once they are older than ENTITLEMENTS_MAX_AGE, and
 * falls back to the database (and the re-sync that publishes them again) when they are missing. Both stores.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishEntitlements } from "../src/accounts/published-entitlements";
import { createClient } from "../src/clients/registry";
import { entitlements } from "../src/db/schema";
import { entitlementsKey } from "../src/store/store";
import { createTestApp, type TestApp } from "./support/app";
import { FakeBrowser } from "./support/fakes";
import { authorizeUrl, pkce } from "./support/login";
import { claimsOf, postForm } from "./support/oauth";
import { startRedis, type TestRedis } from "./support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "./support/upstash-bridge";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";
const MAX_AGE = 60;

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "published-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

describe.each(["embedded", "upstash"] as const)("published entitlements (%s store)", (store) => {
  let t: TestApp;
  let pub: string;
  beforeAll(async () => {
    t = await createTestApp({
      store,
      bridge,
      env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", ENTITLEMENTS_MAX_AGE: String(MAX_AGE), AUTHBRIDGE_RULES: JSON.stringify({ rules: [{ when: {}, grant: ["profile"] }] }) },
    });
    pub = (await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] })).client.id;
  });
  afterAll(() => t?.close());

  /** Sign in through the dev login and redeem a code asking for `profile admin`. */
  async function family(subject: string): Promise<{ sub: string; refresh: string }> {
    const b = new FakeBrowser(t.app, ISSUER);
    const html = await (await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`)).text();
    const state = /name="state" value="([^"]+)"/.exec(html)![1]!;
    const form = new URLSearchParams({ state, impersonate: "github", subject, username: subject, orgs: "", teams: "" });
    await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
    const { verifier, challenge } = pkce();
    const res = await b.request(authorizeUrl(ISSUER, { response_type: "code", client_id: pub, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", scope: "profile admin" }));
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const tokens = (await (await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: pub })).json()) as { access_token: string; refresh_token: string };
    expect(claimsOf(tokens.access_token).scope).toBe("profile");
    return { sub: String(claimsOf(tokens.access_token).sub), refresh: tokens.refresh_token };
  }

  async function refresh(token: string): Promise<{ scope: string; refresh_token: string }> {
    const res = await postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: token, client_id: pub });
    expect(res.status).toBe(200);
    return (await res.json()) as { scope: string; refresh_token: string };
  }

  it("a login publishes them; a refresh uses them without the database row", async () => {
    const f = await family(`pub-${store}-1`);
    expect(await t.deps.store.get(entitlementsKey(f.sub))).toContain('"profile"');
    await t.deps.db.delete(entitlements).where(eq(entitlements.accountId, f.sub));
    const next = await refresh(f.refresh);
    expect(next.scope).toBe("profile");
    expect(await t.deps.db.select().from(entitlements).where(eq(entitlements.accountId, f.sub))).toHaveLength(0); // nothing read it back
  });

  it("fresh published entitlements are what a refresh applies; stale ones are never used", async () => {
    const f = await family(`pub-${store}-2`);
    const now = t.deps.now();
    await publishEntitlements(t.deps.store, MAX_AGE, f.sub, { scopes: ["profile", "admin"], roles: [], derivedAt: now }, now);
    const fresh = await refresh(f.refresh);
    expect(fresh.scope).toBe("admin profile");
    // A copy older than ENTITLEMENTS_MAX_AGE (written directly: publishing would withdraw it) is ignored.
    await t.deps.store.put(entitlementsKey(f.sub), JSON.stringify({ scopes: ["profile", "admin"], roles: [], derivedAt: now - (MAX_AGE + 1) * 1000 }), 60);
    const stale = await refresh(fresh.refresh_token);
    expect(stale.scope).toBe("profile"); // from the database (re-derived from the identity's facts)
  });

  it("once they are too old, the refresh re-derives from the identities and publishes them again", async () => {
    const f = await family(`pub-${store}-3`);
    t.advance((MAX_AGE + 1) * 1000);
    const next = await refresh(f.refresh);
    expect(next.scope).toBe("profile");
    const again = JSON.parse((await t.deps.store.get(entitlementsKey(f.sub)))!) as { derivedAt: number };
    expect(again.derivedAt).toBeGreaterThan(t.deps.now() - 5000);
  });
});
