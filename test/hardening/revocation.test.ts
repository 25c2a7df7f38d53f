/**
 * SECURITY.md "Accounts and linking" and "Tokens": after a block, a logout or a session revoke nothing is
 * issued for that account or session by any path, and what was issued before is refused everywhere —
 * introspection, /userinfo and `requireAuth({ revocation: "store" })`; revoking a grant (RFC 7009 §2.1),
 * detecting its reuse or disabling its client reaches its access tokens too. On both state stores.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockAccountEverywhere } from "../../src/cli/account-commands";
import { disableClientEverywhere } from "../../src/cli/client-commands";
import { createClient } from "../../src/clients/registry";
import { requireAuth } from "../../src/verify";
import { createTestApp, type TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { authorizeUrl, pkce } from "../support/login";
import { claimsOf, postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "revocation-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

interface Tokens {
  access_token: string;
  refresh_token?: string;
}

describe.each(["embedded", "upstash"] as const)("revocation reaches every path (%s store)", (storeKind) => {
  let t: TestApp;
  let pub: string;
  let rs: { id: string; secret: string };
  let api: Hono;

  beforeAll(async () => {
    t = await createTestApp({
      store: storeKind,
      bridge,
      env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_RULES: JSON.stringify({ rules: [{ when: {}, grant: ["profile"] }] }) },
    });
    pub = (await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] })).client.id;
    const created = await createClient(t.deps.db, { name: "api", introspectAudiences: [t.deps.config.audience] });
    rs = { id: created.client.id, secret: created.secret! };
    const jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: [] };
    api = new Hono().get("/r", requireAuth({ issuer: ISSUER, audience: t.deps.config.audience, keys: jwks, revocation: "store", store: t.deps.store }), (c) => c.text("ok"));
  });
  afterAll(() => t?.close());

  async function signedIn(subject: string): Promise<FakeBrowser> {
    const b = new FakeBrowser(t.app, ISSUER);
    const html = await (await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`)).text();
    const state = /name="state" value="([^"]+)"/.exec(html)?.[1];
    const form = new URLSearchParams({ state: state!, impersonate: "github", subject, username: subject, orgs: "acme", teams: "" });
    const cb = await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
    expect(cb.status).toBe(302);
    return b;
  }

  /** A code from the signed-in browser, not yet redeemed. */
  async function code(b: FakeBrowser, over: Record<string, string> = {}) {
    const { verifier, challenge } = pkce();
    const params = { response_type: "code", client_id: pub, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", ...over };
    const res = await b.request(authorizeUrl(ISSUER, params));
    expect(res.status).toBe(302);
    return { code: new URL(res.headers.get("location")!).searchParams.get("code")!, verifier };
  }

  const redeem = (c: { code: string; verifier: string }, over: Record<string, string> = {}) =>
    postForm(t.app, "/token", { grant_type: "authorization_code", code: c.code, redirect_uri: CB, code_verifier: c.verifier, client_id: pub, ...over });
  const refresh = (rt: string) => postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: rt, client_id: pub });
  async function tokens(res: Response | Promise<Response>): Promise<Tokens> {
    const r = await res;
    expect(r.status).toBe(200);
    return (await r.json()) as Tokens;
  }
  const introspect = async (token: string, creds = rs) => (await (await postForm(t.app, "/introspect", { token }, creds)).json()) as { active: boolean };
  const userinfo = (at: string) => t.app.request("/userinfo", { headers: { authorization: `Bearer ${at}` } });
  const viaApi = (at: string) => api.request("/r", { headers: { authorization: `Bearer ${at}` } });

  async function expectDead(at: string) {
    expect(await introspect(at)).toEqual({ active: false });
    expect((await userinfo(at)).status).toBe(401);
    expect((await viaApi(at)).status).toBe(401);
  }
  async function expectAlive(at: string) {
    expect((await introspect(at)).active).toBe(true);
    expect((await userinfo(at)).status).toBe(200);
    expect((await viaApi(at)).status).toBe(200);
  }
  async function expectRefused(res: Response | Promise<Response>) {
    const r = await res;
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: "invalid_grant" });
  }

  /** The account page's form token. */
  async function csrfOf(b: FakeBrowser): Promise<string> {
    const html = await (await b.request(`${ISSUER}/account`)).text();
    return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  }
  const postAs = async (b: FakeBrowser, path: string) =>
    b.request(`${ISSUER}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: `csrf=${await csrfOf(b)}` });

  const events: Array<[string, (b: FakeBrowser, sub: string, sid: string, subject: string) => Promise<void>]> = [
    ["accounts block", async (_b, sub) => void (await blockAccountEverywhere(t.deps, sub))],
    ["POST /logout", async (b) => expect((await postAs(b, "/logout")).status).toBe(303)],
    [
      "a session revoke from another session",
      async (_b, _sub, sid, subject) => {
        const other = await signedIn(subject); // the same person, signed in elsewhere
        expect((await postAs(other, `/account/sessions/${sid}/revoke`)).status).toBe(303);
      },
    ],
  ];

  it.each(events)("after %s: a code obtained just before, every family and a retry in the grace window issue nothing", async (name, event) => {
    const subject = `user-${storeKind}-${name}`;
    const b = await signedIn(subject);
    const first = await tokens(redeem(await code(b)));
    const { sub, sid } = claimsOf(first.access_token) as { sub: string; sid: string };
    const second = await tokens(refresh(first.refresh_token!)); // the family has rotated once
    const pending = await code(b); // authorized, not yet redeemed
    await expectAlive(second.access_token);

    await event(b, sub, sid, subject);

    await expectRefused(redeem(pending));
    await expectRefused(refresh(second.refresh_token!));
    await expectRefused(refresh(first.refresh_token!)); // a retry inside the grace window
    await expectDead(first.access_token);
    await expectDead(second.access_token);
  });

  it("revoking a refresh token ends the access tokens of its grant (RFC 7009 §2.1), not other grants'", async () => {
    const b = await signedIn(`user-${storeKind}-rfc7009`);
    const grant = await tokens(redeem(await code(b)));
    const other = await tokens(redeem(await code(b)));
    const rotated = await tokens(refresh(grant.refresh_token!));
    const res = await postForm(t.app, "/revoke", { token: grant.refresh_token!, client_id: pub });
    expect(res.status).toBe(200);
    await expectDead(grant.access_token);
    await expectDead(rotated.access_token);
    await expectRefused(refresh(rotated.refresh_token!));
    await expectAlive(other.access_token);
  });

  it("a detected reuse ends the access tokens of that grant", async () => {
    const b = await signedIn(`user-${storeKind}-reuse`);
    const grant = await tokens(redeem(await code(b)));
    const rotated = await tokens(refresh(grant.refresh_token!));
    // The spent token presented by another client is reuse: the family is revoked in the same store call.
    const thief = await createClient(t.deps.db, { name: "thief", isPublic: true, redirectUris: [CB] });
    await expectRefused(postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: grant.refresh_token!, client_id: thief.client.id }));
    await expectDead(grant.access_token);
    await expectDead(rotated.access_token);
  });

  it("a disabled client's tokens stop at introspection and at requireAuth in store mode", async () => {
    const { client, secret } = await createClient(t.deps.db, { name: "svc", scopes: ["jobs"] });
    const creds = { id: client.id, secret: secret! };
    const { access_token: at } = await tokens(postForm(t.app, "/token", { grant_type: "client_credentials" }, creds));
    expect((await viaApi(at)).status).toBe(200);
    expect((await introspect(at)).active).toBe(true);
    await disableClientEverywhere(t.deps, client.id);
    expect((await viaApi(at)).status).toBe(401);
    expect(await introspect(at)).toEqual({ active: false });
  });

  it("introspection answers only the token's client and resource servers allowed for its audience", async () => {
    const mk = async (name: string, introspectAudiences: string[] = []) => {
      const { client, secret } = await createClient(t.deps.db, { name, scopes: ["jobs"], introspectAudiences });
      return { id: client.id, secret: secret! };
    };
    const owner = await mk("owner");
    const stranger = await mk("stranger");
    const otherApi = await mk("other api", ["https://other.example.com"]);
    const { access_token: at } = await tokens(postForm(t.app, "/token", { grant_type: "client_credentials" }, owner));
    expect(await introspect(at, stranger)).toEqual({ active: false });
    expect(await introspect(at, otherApi)).toEqual({ active: false });
    expect(await introspect(at, owner)).toMatchObject({ active: true, client_id: owner.id });
    expect(await introspect(at, rs)).toMatchObject({ active: true, client_id: owner.id });
  });
});
