/**
 * The ID-token threats (SECURITY.md, "ID tokens are never accepted as access tokens"; OpenID Connect Core
 * §3.1.2.1, §16; RP-Initiated Logout §2–3): an ID token as a bearer token at /userinfo, /introspect and
 * requireAuth (all three revocation modes' verifier), nonces echoed exactly and redeemable once,
 * `prompt=none` without a session or consent, `max_age=0` and `prompt=login` signing in afresh, and
 * logout's redirect only ever to a registered address.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { requireAuth } from "../../src/verify";
import { FakeBrowser } from "../support/fakes";
import { eq } from "drizzle-orm";
import { auditEvents, clients } from "../../src/db/schema";
import { claimsOf, postForm } from "../support/oauth";
import { authorize, BYE, CB, harness, ISSUER, redeem, signIn, tokensFor, verifyIdToken, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h?.t.close());

describe("an ID token is not an access token", () => {
  it("is refused at /userinfo, /introspect and by requireAuth given the JWKS (which also verifies the access token)", async () => {
    const { body } = await tokensFor(h, { subject: "t1" });
    const idToken = body.id_token!;
    const userinfo = await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${idToken}` } });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    const introspected = await postForm(h.t.app, "/introspect", { token: idToken }, h.client);
    expect(await introspected.json()).toEqual({ active: false });

    const jwks = await (await h.t.app.request("/.well-known/jwks.json")).json();
    expect((jwks as { keys: { kty: string }[] }).keys.map((k) => k.kty)).toContain("RSA");
    const api = new Hono().get("/r", requireAuth({ issuer: ISSUER, audience: ISSUER, keys: jwks }), (c) => c.text("ok"));
    const refused = await api.request("/r", { headers: { authorization: `Bearer ${idToken}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/invalid_token/);
    const store = new Hono().get("/r", requireAuth({ issuer: ISSUER, audience: h.client.id, keys: jwks, revocation: "store", store: h.t.deps.store }), (c) => c.text("ok"));
    expect((await store.request("/r", { headers: { authorization: `Bearer ${idToken}` } })).status).toBe(401);
    expect((await api.request("/r", { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(200);
  });
});

describe("nonce", () => {
  it("is echoed exactly as sent, and absent when none was sent", async () => {
    const odd = "nonce with spaces/and+symbols=é";
    const sent = await tokensFor(h, { subject: "t2" }, { nonce: odd });
    expect((await verifyIdToken(h, sent.body.id_token!)).payload.nonce).toBe(odd);
    const none = await tokensFor(h, { subject: "t2" }, { nonce: "" });
    expect((await verifyIdToken(h, none.body.id_token!)).payload).not.toHaveProperty("nonce");
  });

  it("cannot be replayed: a second redemption of the code is refused and revokes what the first issued", async () => {
    const b = await signIn(h.t, { subject: "t3" });
    const { code, verifier } = await authorize(h, b, { nonce: "replay-me" });
    const first = await redeem(h, code!, verifier);
    expect(first.status).toBe(200);
    const second = await redeem(h, code!, verifier);
    expect(second).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${first.body.access_token}` } })).status).toBe(401);
  });

  it("refuses an oversized nonce at the redirect URI", async () => {
    const b = await signIn(h.t, { subject: "t4" });
    const { landed } = await authorize(h, b, { nonce: "n".repeat(513) });
    expect(landed?.searchParams.get("error")).toBe("invalid_request");
  });
});

describe("prompt and max_age", () => {
  it("prompt=none without a session answers login_required at the redirect URI, with state and iss, and shows no page", async () => {
    const { res, landed } = await authorize(h, new FakeBrowser(h.t.app, ISSUER), { prompt: "none" });
    expect(res.status).toBe(302);
    expect(landed?.origin + landed!.pathname).toBe(CB);
    expect(Object.fromEntries(landed!.searchParams)).toMatchObject({ error: "login_required", state: "st", iss: ISSUER });
  });

  it("prompt=none with a session answers with a code; combined with another value it is invalid", async () => {
    const b = await signIn(h.t, { subject: "t5" });
    expect((await authorize(h, b, { prompt: "none" })).code).toMatch(/^ac_/);
    expect((await authorize(h, b, { prompt: "none login" })).landed?.searchParams.get("error")).toBe("invalid_request");
    expect((await authorize(h, b, { prompt: "bogus" })).landed?.searchParams.get("error")).toBe("invalid_request");
  });

  it("prompt=none when consent is needed answers consent_required", async () => {
    const dev = await createClient(h.t.deps.db, { name: "A developer's app", isPublic: true, redirectUris: [CB] });
    // A developer's app is third-party: it needs the person's consent first.
    const b = await signIn(h.t, { subject: "t6" });
    const owner = /acct_[A-Za-z0-9_-]+/.exec(await (await b.request(`${ISSUER}/account`)).text())?.[0];
    await h.t.deps.db.update(clients).set({ ownerAccountId: owner! }).where(eq(clients.id, dev.client.id));
    const { landed } = await authorize({ ...h, client: { id: dev.client.id, secret: "" } }, b, { prompt: "none", scope: "openid" });
    expect(landed?.searchParams.get("error")).toBe("consent_required");
  });

  it("max_age=0 and prompt=login sign in afresh: the old session does not answer, the resumed request needs a session started after it", async () => {
    const b = await signIn(h.t, { subject: "t7" });
    for (const over of [{ max_age: "0" }, { prompt: "login" }] as Record<string, string>[]) {
      const { res, code } = await authorize(h, b, over);
      expect(code).toBeUndefined();
      expect(res.status).toBe(200); // the chooser: sign in again
      const resume = /\/auth\/dev\/start\?intent=login&amp;return_to=([^"]+)"/.exec(await res.text())?.[1];
      expect(resume).toBeTruthy();
      const path = decodeURIComponent(resume!);
      // The old session cannot pick the request up.
      expect((await b.request(`${ISSUER}${path}`)).status).toBe(400);
    }
    // A sign-in after the request answers it, with auth_time of that sign-in.
    const { res } = await authorize(h, b, { max_age: "0" });
    const path = decodeURIComponent(/return_to=([^"]+)"/.exec(await res.text())![1]!);
    await new Promise((r) => setTimeout(r, 1100));
    await signIn(h.t, { subject: "t7" }, b);
    const resumed = await b.request(`${ISSUER}${path}`);
    expect(resumed.status).toBe(302);
    const code = new URL(resumed.headers.get("location")!).searchParams.get("code");
    expect(code).toMatch(/^ac_/);
  });

  it("a session younger than max_age answers at once; a malformed max_age is invalid", async () => {
    const b = await signIn(h.t, { subject: "t8" });
    expect((await authorize(h, b, { max_age: "3600" })).code).toMatch(/^ac_/);
    expect((await authorize(h, b, { max_age: "-1" })).landed?.searchParams.get("error")).toBe("invalid_request");
    h.t.advance(120_000);
    expect((await authorize(h, b, { max_age: "60" })).code).toBeUndefined();
    h.t.advance(-120_000);
  });
});

describe("RP-initiated logout", () => {
  const logoutUrl = (params: Record<string, string>) => `${ISSUER}/oidc/logout?${new URLSearchParams(params)}`;

  it("with id_token_hint and a registered post_logout_redirect_uri: ends the session and its tokens, then redirects with state", async () => {
    const { b, body } = await tokensFor(h, { subject: "t9" });
    const res = await b.request(logoutUrl({ id_token_hint: body.id_token!, post_logout_redirect_uri: BYE, state: "bye-1" }));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${BYE}?state=bye-1`);
    expect(b.cookie("ab_session")).toBeUndefined();
    expect((await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(401);
    const refresh = await postForm(h.t.app, "/token", { grant_type: "refresh_token", refresh_token: body.refresh_token! }, h.client);
    expect(refresh.status).toBe(400);
    expect((await authorize(h, b, { prompt: "none" })).landed?.searchParams.get("error")).toBe("login_required");
    // A replayed hint ends nothing more and writes nothing more.
    const revoked = async () => (await h.t.deps.db.select().from(auditEvents).where(eq(auditEvents.type, "session.revoked"))).filter((e) => e.detail.includes(claimsOf(body.access_token!).sid as string));
    expect(await revoked()).toHaveLength(1);
    const replay = await b.request(logoutUrl({ id_token_hint: body.id_token!, post_logout_redirect_uri: BYE, state: "bye-2" }));
    expect(replay.headers.get("location")).toBe(`${BYE}?state=bye-2`);
    expect(await revoked()).toHaveLength(1);
  });

  it("accepts an expired hint, and a POSTed one", async () => {
    const { b, body } = await tokensFor(h, { subject: "t10" });
    h.t.advance(3_600_000);
    const res = await b.request(`${ISSUER}/oidc/logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://rp.example.com" },
      body: new URLSearchParams({ id_token_hint: body.id_token!, post_logout_redirect_uri: BYE }).toString(),
    });
    h.t.advance(-3_600_000);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(BYE);
    expect(b.cookie("ab_session")).toBeUndefined();
  });

  it("never redirects to an unregistered post_logout_redirect_uri, and changes nothing for a hint that is not ours or an access token", async () => {
    const { b, body } = await tokensFor(h, { subject: "t11" });
    for (const uri of [`${BYE}/`, "https://evil.example.com/bye", `${BYE}?x=1`, CB]) {
      const res = await b.request(logoutUrl({ id_token_hint: body.id_token!, post_logout_redirect_uri: uri }));
      expect(res.status, uri).toBe(200); // the confirmation page, with a notice and no way to that address
      expect(res.headers.get("location")).toBeNull();
      const html = await res.text();
      expect(html).toContain("not registered");
      expect(html).not.toContain(uri.replace(/&/g, "&amp;"));
    }
    const forged = body.id_token!.slice(0, -4) + (body.id_token!.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (const hint of [forged, body.access_token!]) {
      const res = await b.request(logoutUrl({ id_token_hint: hint, post_logout_redirect_uri: BYE }));
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    const other = await createClient(h.t.deps.db, { name: "Other", redirectUris: [CB] });
    expect((await b.request(logoutUrl({ id_token_hint: body.id_token!, client_id: other.client.id }))).status).toBe(400);
    // Still signed in, tokens alive.
    expect(b.cookie("ab_session")).toBeTruthy();
    expect((await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(200);
  });

  it("without a hint asks the signed-in person, and only their answer (with the session's form token) ends the session", async () => {
    const { b, body } = await tokensFor(h, { subject: "t12" });
    const ask = await b.request(logoutUrl({ client_id: h.client.id, post_logout_redirect_uri: BYE, state: "s" }));
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(ask.headers.get("content-security-policy")).toContain("form-action 'self' https://rp.example.com");
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf).toBeTruthy();
    const post = (fields: Record<string, string>) =>
      b.request(`${ISSUER}/oidc/logout`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: new URLSearchParams(fields).toString() });
    expect((await post({ csrf: "forged", client_id: h.client.id, post_logout_redirect_uri: BYE })).status).toBe(400);
    expect(b.cookie("ab_session")).toBeTruthy();
    const done = await post({ csrf: csrf!, client_id: h.client.id, post_logout_redirect_uri: BYE, state: "s", confirm: "yes" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`${BYE}?state=s`);
    expect(b.cookie("ab_session")).toBeUndefined();
    expect((await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(401);
  });

  it("leaves the account page's own POST /logout working", async () => {
    const b = await signIn(h.t, { subject: "t13" });
    const page = await (await b.request(`${ISSUER}/account`)).text();
    const csrf = /action="\/logout"[\s\S]*?name="csrf" value="([^"]+)"/.exec(page)?.[1];
    expect(csrf).toBeTruthy();
    const res = await b.request(`${ISSUER}/logout`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: `csrf=${encodeURIComponent(csrf!)}` });
    expect(res.status).toBe(303);
    expect(b.cookie("ab_session")).toBeUndefined();
  });
});
