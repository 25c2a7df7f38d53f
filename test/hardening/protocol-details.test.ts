/**
 * Protocol details independent clients trip on (found with Authlib, requests-oauthlib, openid-client,
 * simple-oauth2): each answer as the RFC says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { createTestApp, type TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { authorizeUrl, pkce } from "../support/login";
import { postForm } from "../support/oauth";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";
let t: TestApp;
let svc: { id: string; secret: string };
let pub: string;

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1" } });
  const c = await createClient(t.deps.db, { name: "svc", scopes: ["jobs:read", "jobs:write"] });
  svc = { id: c.client.id, secret: c.secret! };
  pub = (await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] })).client.id;
});
afterAll(() => t?.close());

async function signedIn(): Promise<FakeBrowser> {
  const b = new FakeBrowser(t.app, ISSUER);
  const html = await (await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`)).text();
  const state = /name="state" value="([^"]+)"/.exec(html)![1]!;
  const form = new URLSearchParams({ state, impersonate: "github", subject: "proto", username: "proto", orgs: "", teams: "" });
  await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
  return b;
}

describe("token endpoint", () => {
  it("client_credentials asking only for scopes the client may not have is invalid_scope, not an empty token", async () => {
    const res = await postForm(t.app, "/token", { grant_type: "client_credentials", scope: "admin" }, svc);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_scope" });
    const some = await postForm(t.app, "/token", { grant_type: "client_credentials", scope: "admin jobs:read" }, svc);
    expect(await some.json()).toMatchObject({ scope: "jobs:read" });
  });

  it("redirect_uri is needed at /token only when the authorization request sent it (RFC 6749 §4.1.3)", async () => {
    const b = await signedIn();
    const codeFor = async (withRedirect: boolean) => {
      const { verifier, challenge } = pkce();
      const q: Record<string, string> = { response_type: "code", client_id: pub, code_challenge: challenge, code_challenge_method: "S256" };
      if (withRedirect) q.redirect_uri = CB;
      const loc = new URL((await b.request(authorizeUrl(ISSUER, q))).headers.get("location")!);
      expect(loc.href.startsWith(CB)).toBe(true);
      return { code: loc.searchParams.get("code")!, code_verifier: verifier };
    };
    const redeem = (c: { code: string; code_verifier: string }, extra: Record<string, string> = {}) =>
      postForm(t.app, "/token", { grant_type: "authorization_code", client_id: pub, ...c, ...extra });

    expect((await redeem(await codeFor(false))).status).toBe(200);
    expect((await redeem(await codeFor(false), { redirect_uri: CB })).status).toBe(200);
    const wrong = await redeem(await codeFor(false), { redirect_uri: `${CB}/x` });
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const omitted = await redeem(await codeFor(true));
    expect(omitted.status).toBe(400);
    expect(await omitted.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("/revoke", () => {
  it("ignores an unknown token_type_hint and still revokes (RFC 7009 §2.1)", async () => {
    const { access_token } = (await (await postForm(t.app, "/token", { grant_type: "client_credentials" }, svc)).json()) as { access_token: string };
    const res = await postForm(t.app, "/revoke", { token: access_token, token_type_hint: "something_else" }, svc);
    expect(res.status).toBe(200);
    const after = (await (await postForm(t.app, "/introspect", { token: access_token }, svc)).json()) as { active: boolean };
    expect(after.active).toBe(false);
  });
});

describe("/userinfo bearer errors (RFC 6750 §3.1)", () => {
  it("no credentials: 401 with a challenge and no error code", async () => {
    const res = await t.app.request("/userinfo");
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).not.toContain("error=");
  });

  it("not one bearer token: 400 invalid_request", async () => {
    for (const header of ["Bearer a b", "Bearer "]) {
      const res = await t.app.request("/userinfo", { headers: { authorization: header } });
      expect(res.status).toBe(400);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_request"');
    }
  });

  it("a bad token: 401 invalid_token", async () => {
    const res = await t.app.request("/userinfo", { headers: { authorization: "Bearer abc.def.ghi" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

describe("/authorize", () => {
  it("an unknown provider is refused before anything is stored for the unauthenticated caller", async () => {
    const before = t.deps.store.roundTrips;
    const res = await t.app.request(authorizeUrl(ISSUER, { response_type: "code", client_id: pub, redirect_uri: CB, code_challenge: pkce().challenge, code_challenge_method: "S256", provider: "nope" }));
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    expect(t.deps.store.roundTrips - before).toBe(0);
  });

  it("a repeated state is refused without echoing either value", async () => {
    const b = await signedIn();
    const u = new URL(authorizeUrl(ISSUER, { response_type: "code", client_id: pub, redirect_uri: CB, code_challenge: pkce().challenge, code_challenge_method: "S256", state: "one" }));
    u.searchParams.append("state", "two");
    const res = await b.request(u.href);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.searchParams.get("error")).toBe("invalid_request");
    expect(loc.searchParams.get("code")).toBeNull();
    expect(loc.searchParams.get("state")).toBeNull();
  });
});
