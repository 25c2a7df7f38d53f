/**
 * Signed UserInfo (OpenID Connect Core §5.3.2): a client that registered `userinfo_signed_response_alg`
 * gets `application/jwt`, signed with the ring's key of that algorithm and verifiable against the served
 * JWKS — by jose for each of RS256, EdDSA and ES256, and by openid-client 6 as it ships — carrying the JSON
 * answer's claims plus iss, aud and iat; a client that registered nothing keeps JSON. The answer is `typ:
 * JWT` and has no exp: it is refused as a bearer token at /userinfo, /introspect and by requireAuth, and as
 * an id_token_hint at logout.
 */
import { Hono } from "hono";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID_TOKEN_ALGS } from "../../src/oidc/id-token";
import { oidcSettings, setOidcSettings } from "../../src/oidc/client-settings";
import { requireAuth } from "../../src/verify";
import { postForm } from "../support/oauth";
import { BYE, harness, ISSUER, tokensFor, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h?.t.close());

const jwks = async () => (await (await h.t.app.request("/.well-known/jwks.json")).json()) as JSONWebKeySet;
const userinfo = (token: string, method: "GET" | "POST" = "GET") =>
  h.t.app.request("/userinfo", method === "GET" ? { headers: { authorization: `Bearer ${token}` } } : { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" }, body: "" });
/** Register `userinfoAlg` for the harness's client, keeping what else it registered. */
async function registerUserinfoAlg(alg: (typeof ID_TOKEN_ALGS)[number] | undefined) {
  const current = await oidcSettings(h.t.deps.db, h.client.id);
  await setOidcSettings(h.t.deps.db, h.client.id, { idTokenAlg: current.idTokenAlg, userinfoAlg: alg, postLogoutRedirectUris: current.postLogoutRedirectUris }, Date.now());
}

describe("discovery", () => {
  it("advertises userinfo_signing_alg_values_supported in both metadata documents", async () => {
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      const doc = (await (await h.t.app.request(path)).json()) as Record<string, unknown>;
      expect(doc.userinfo_signing_alg_values_supported, path).toEqual(["RS256", "EdDSA", "ES256"]);
    }
  });
});

describe("a client that registered userinfo_signed_response_alg", () => {
  afterAll(() => registerUserinfoAlg(undefined));

  for (const alg of ID_TOKEN_ALGS) {
    it(`gets application/jwt signed with ${alg}, verifiable against the JWKS, with the JSON answer's claims plus iss, aud and iat`, async () => {
      await registerUserinfoAlg(undefined);
      const { body } = await tokensFor(h, { subject: `su-${alg}`, username: `ada-${alg}` }, { scope: "openid profile groups" });
      const plain = await userinfo(body.access_token!);
      expect(plain.headers.get("content-type")).toMatch(/^application\/json/);
      const json = (await plain.json()) as Record<string, unknown>;
      expect(json).toMatchObject({ preferred_username: `ada-${alg}`, groups: ["ops"] });

      await registerUserinfoAlg(alg);
      for (const method of ["GET", "POST"] as const) {
        const before = Math.floor(Date.now() / 1000);
        const res = await userinfo(body.access_token!, method);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/jwt");
        expect(res.headers.get("cache-control")).toBe("no-store");
        const jwt = await res.text();
        const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(await jwks()), { issuer: ISSUER, audience: h.client.id, algorithms: [alg], typ: "JWT" });
        expect(protectedHeader).toMatchObject({ alg, typ: "JWT", kid: (await h.t.deps.keys.currentFor(alg)).kid });
        const { iss, aud, iat, ...rest } = payload;
        expect({ iss, aud }).toEqual({ iss: ISSUER, aud: h.client.id });
        expect(iat).toBeGreaterThanOrEqual(before);
        expect(rest).toEqual(json);
        expect(payload).not.toHaveProperty("exp");
      }
    });
  }

  it("is followed by openid-client 6 unchanged (fetchUserInfo with userinfo_signed_response_alg, signature checked against the JWKS)", async () => {
    await registerUserinfoAlg("ES256");
    const { body } = await tokensFor(h, { subject: "su-rp", username: "grace" }, { scope: "openid profile" });
    const execute = [oidc.allowInsecureRequests];
    const fetchApp: oidc.CustomFetch = (url, init) => Promise.resolve(h.t.app.request(url, init as RequestInit));
    const config = await oidc.discovery(new URL(ISSUER), h.client.id, { userinfo_signed_response_alg: "ES256" }, oidc.ClientSecretPost(h.client.secret), { execute, [oidc.customFetch]: fetchApp });
    oidc.enableNonRepudiationChecks(config);
    const sub = (await jwtVerify(body.id_token!, createLocalJWKSet(await jwks()), { issuer: ISSUER, audience: h.client.id })).payload.sub!;
    const info = await oidc.fetchUserInfo(config, body.access_token!, sub);
    expect(info).toMatchObject({ sub, preferred_username: "grace", iss: ISSUER, aud: h.client.id });
    // The library holds the server to the registration: expecting ES256, an RS256 answer is refused.
    await registerUserinfoAlg("RS256");
    const refused = await oidc.fetchUserInfo(config, body.access_token!, sub).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).cause && ((refused as Error).cause as Error).message)).toMatch(/"alg"/);
    // And a client registered for none of it gets JSON, which a library expecting a JWT refuses too.
    await registerUserinfoAlg(undefined);
    await expect(oidc.fetchUserInfo(config, body.access_token!, sub)).rejects.toThrow(/JWT UserInfo Response expected/);
    const plain = await oidc.discovery(new URL(ISSUER), h.client.id, undefined, oidc.ClientSecretPost(h.client.secret), { execute, [oidc.customFetch]: fetchApp });
    expect(await oidc.fetchUserInfo(plain, body.access_token!, sub)).toMatchObject({ sub, preferred_username: "grace" });
  });

  it("an ID-token algorithm alone changes nothing: UserInfo stays JSON", async () => {
    await setOidcSettings(h.t.deps.db, h.client.id, { idTokenAlg: "ES256", postLogoutRedirectUris: [BYE] }, Date.now());
    const { body } = await tokensFor(h, { subject: "su-id-only" }, { scope: "openid" });
    expect(decodeProtectedHeader(body.id_token!).alg).toBe("ES256");
    const res = await userinfo(body.access_token!);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys((await res.json()) as object)).toEqual(["sub"]);
    await setOidcSettings(h.t.deps.db, h.client.id, { postLogoutRedirectUris: [BYE] }, Date.now());
  });
});

describe("a signed UserInfo answer is not a token", () => {
  let answer: string;
  let accessToken: string;
  let idToken: string;
  let browser: Awaited<ReturnType<typeof tokensFor>>["b"];
  beforeAll(async () => {
    await registerUserinfoAlg("EdDSA");
    const { b, body } = await tokensFor(h, { subject: "su-threat" }, { scope: "openid profile" });
    accessToken = body.access_token!;
    idToken = body.id_token!;
    browser = b;
    answer = await (await userinfo(accessToken)).text();
    expect(decodeProtectedHeader(answer)).toMatchObject({ alg: "EdDSA", typ: "JWT" });
  });
  afterAll(() => registerUserinfoAlg(undefined));

  it("is refused as a bearer token at /userinfo and /introspect", async () => {
    const res = await userinfo(answer);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    expect(await (await postForm(h.t.app, "/introspect", { token: answer }, h.client)).json()).toEqual({ active: false });
    // The access token it came from still works: the refusal is about what was presented.
    expect((await userinfo(accessToken)).status).toBe(200);
  });

  it("is refused by requireAuth, whatever audience it is set up for and in every revocation mode", async () => {
    const keys = await jwks();
    for (const audience of [ISSUER, h.client.id]) {
      for (const mode of ["off", "store"] as const) {
        const guard = mode === "store" ? requireAuth({ issuer: ISSUER, audience, keys, revocation: "store", store: h.t.deps.store }) : requireAuth({ issuer: ISSUER, audience, keys });
        const api = new Hono().get("/r", guard, (c) => c.text("ok"));
        const refused = await api.request("/r", { headers: { authorization: `Bearer ${answer}` } });
        expect(refused.status, `${audience} ${mode}`).toBe(401);
        expect(refused.headers.get("www-authenticate")).toMatch(/invalid_token/);
        // The same guard lets the access token through where its audience is the guard's.
        if (audience === ISSUER) expect((await api.request("/r", { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
      }
    }
  });

  it("is refused as an id_token_hint at logout (the session lives on); the ID token is accepted", async () => {
    const logout = (hint: string) => browser.request(`${ISSUER}/oidc/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: "s" })}`);
    const refused = await logout(answer);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("carries a token this server did not issue");
    expect((await userinfo(accessToken)).status).toBe(200);
    const accepted = await logout(idToken);
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get("location")).toBe(`${BYE}?state=s`);
    expect((await userinfo(accessToken)).status).toBe(401);
  });
});
