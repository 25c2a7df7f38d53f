/**
 * ID tokens from the code flow and from refresh: claims by scope, `nonce` echoed, `at_hash`, `auth_time`,
 * `sid`, groups from the rules (and platform memberships when configured), RS256 by default and the
 * client's registered algorithm otherwise; UserInfo saying the same; discovery equal to RFC 8414.
 */
import { createHash } from "node:crypto";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setOidcSettings } from "../../src/oidc/client-settings";
import { postForm } from "../support/oauth";
import { authorize, GUILD, harness, ISSUER, redeem, ROLE, signIn, tokensFor, verifyIdToken, type Harness } from "./harness";

let h: Harness;
let platform: Harness;
beforeAll(async () => {
  [h, platform] = await Promise.all([harness(), harness({ AUTHBRIDGE_OIDC_GROUPS: "roles+platform" })]);
});
afterAll(() => {
  h?.t.close();
  platform?.t.close();
});

describe("discovery", () => {
  it("serves an OpenID Provider document that is the RFC 8414 document", async () => {
    const oidc = await (await h.t.app.request("/.well-known/openid-configuration")).json();
    const oauth = await (await h.t.app.request("/.well-known/oauth-authorization-server")).json();
    expect(oidc).toEqual(oauth);
    expect(oidc).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      end_session_endpoint: `${ISSUER}/oidc/logout`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256", "EdDSA", "ES256"],
      code_challenge_methods_supported: ["S256"],
      scopes_supported: expect.arrayContaining(["openid", "profile", "email", "groups"]),
      claims_supported: expect.arrayContaining(["sub", "auth_time", "nonce", "groups", "email_verified"]),
    });
  });
});

describe("the code flow's ID token", () => {
  it("carries iss, sub, aud, exp, iat, auth_time, nonce, at_hash, sid and the claims of its scopes, signed RS256 with typ JWT", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { body } = await tokensFor(h, { subject: "100", username: "ada", email: "ada@example.com" });
    expect(body.id_token).toBeTruthy();
    const { payload, protectedHeader } = await verifyIdToken(h, body.id_token!);
    expect(protectedHeader).toMatchObject({ alg: "RS256", typ: "JWT" });
    const access = JSON.parse(Buffer.from(body.access_token!.split(".")[1]!, "base64url").toString());
    expect(payload).toMatchObject({ iss: ISSUER, sub: access.sub, aud: h.client.id, nonce: "n-0S6_WzA2Mj", sid: access.sid, name: "ada", preferred_username: "ada", email: "ada@example.com", email_verified: true, groups: ["ops"] });
    expect(payload.sub).toMatch(/^acct_/);
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
    const digest = createHash("sha256").update(body.access_token!).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString("base64url"));
    expect(body.scope!.split(" ")).toEqual(expect.arrayContaining(["openid", "profile", "email", "groups"]));
  });

  it("leaves out what was not asked for: no ID token without openid, no email or groups without their scopes, no nonce when none was sent", async () => {
    const plain = await tokensFor(h, { subject: "101" }, { scope: "profile" });
    expect(plain.body.id_token).toBeUndefined();
    const narrow = await tokensFor(h, { subject: "102", email: "x@example.com" }, { scope: "openid", nonce: "" });
    const { payload } = await verifyIdToken(h, narrow.body.id_token!);
    for (const claim of ["nonce", "name", "email", "email_verified", "groups", "picture"]) expect(payload).not.toHaveProperty(claim);
  });

  it("names the account, not the platform: a rename, or signing in through another linked platform, keeps sub", async () => {
    const first = await tokensFor(h, { subject: "103", username: "bob" });
    const renamed = await tokensFor(h, { subject: "103", username: "bob-renamed" });
    const a = (await verifyIdToken(h, first.body.id_token!)).payload;
    const b = (await verifyIdToken(h, renamed.body.id_token!)).payload;
    expect(b.sub).toBe(a.sub);
    expect(b.sid).not.toBe(a.sid);
    // Link a GitHub identity to the account, then sign in with it alone in a fresh browser.
    const start = await first.b.request(`${ISSUER}/auth/dev/start?intent=link&return_to=%2Faccount`);
    const state = /name="state" value="([^"]+)"/.exec(await start.text())![1]!;
    const form = new URLSearchParams({ state, impersonate: "github", subject: "bob-gh", username: "bob-gh", orgs: "", teams: "" });
    const linked = await first.b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER }, body: form.toString() });
    expect(linked.status).toBe(302);
    const viaGitHub = await tokensFor(h, { subject: "bob-gh", username: "bob-gh", impersonate: "github", guilds: "", roles: "" });
    const c = (await verifyIdToken(h, viaGitHub.body.id_token!)).payload;
    expect(c.sub).toBe(a.sub);
    // The oldest identity still names the person, and the Discord role still counts.
    expect(c).toMatchObject({ preferred_username: "bob-renamed", groups: ["ops"] });
  });

  it("lists platform memberships in groups with AUTHBRIDGE_OIDC_GROUPS=roles+platform", async () => {
    const { body } = await tokensFor(platform, { subject: "104" });
    const { payload } = await verifyIdToken(platform, body.id_token!);
    expect(payload.groups).toEqual([`discord:${GUILD}`, `discord:${GUILD}:${ROLE}`, "ops"]);
    const gh = await tokensFor(platform, { subject: "105", impersonate: "github", orgs: "acme", teams: "acme/platform", guilds: "", roles: "" });
    expect((await verifyIdToken(platform, gh.body.id_token!)).payload.groups).toEqual(["github:acme", "github:acme/platform"]);
  });

  it("is signed with the algorithm the client registered (ES256, EdDSA)", async () => {
    for (const alg of ["ES256", "EdDSA"] as const) {
      await setOidcSettings(h.t.deps.db, h.client.id, { idTokenAlg: alg, postLogoutRedirectUris: [] }, Date.now());
      const { body } = await tokensFor(h, { subject: `alg-${alg}` });
      expect(decodeProtectedHeader(body.id_token!)).toMatchObject({ alg, typ: "JWT" });
      const { payload } = await verifyIdToken(h, body.id_token!, [alg]);
      const hash = createHash(alg === "EdDSA" ? "sha512" : "sha256").update(body.access_token!).digest();
      expect(payload.at_hash).toBe(hash.subarray(0, hash.length / 2).toString("base64url"));
    }
    await setOidcSettings(h.t.deps.db, h.client.id, { postLogoutRedirectUris: [] }, Date.now());
  });
});

describe("refresh", () => {
  it("keeps issuing ID tokens with the same sub and auth_time, current groups, and no nonce", async () => {
    const { body } = await tokensFor(h, { subject: "106" });
    const first = (await verifyIdToken(h, body.id_token!)).payload;
    const res = await postForm(h.t.app, "/token", { grant_type: "refresh_token", refresh_token: body.refresh_token! }, h.client);
    expect(res.status).toBe(200);
    const refreshed = (await res.json()) as Record<string, string>;
    const { payload } = await verifyIdToken(h, refreshed.id_token!);
    expect(payload).toMatchObject({ sub: first.sub, aud: h.client.id, auth_time: first.auth_time, sid: first.sid, groups: ["ops"] });
    expect(payload).not.toHaveProperty("nonce");
    const narrowed = await postForm(h.t.app, "/token", { grant_type: "refresh_token", refresh_token: refreshed.refresh_token!, scope: "profile" }, h.client);
    expect(((await narrowed.json()) as Record<string, string>).id_token).toBeUndefined();
  });
});

describe("UserInfo", () => {
  it("answers the standard claims of the token's scopes as JSON, on GET and POST", async () => {
    const { body } = await tokensFor(h, { subject: "107", username: "cy", email: "cy@example.com" });
    const idToken = (await verifyIdToken(h, body.id_token!)).payload;
    for (const method of ["GET", "POST"]) {
      const res = await h.t.app.request("/userinfo", { method, headers: { authorization: `Bearer ${body.access_token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: idToken.sub, name: "cy", preferred_username: "cy", email: "cy@example.com", email_verified: true, groups: ["ops"] });
    }
  });

  it("keeps its own answer for tokens without openid", async () => {
    const { body } = await tokensFor(h, { subject: "108", username: "dee" }, { scope: "profile" });
    const res = await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${body.access_token}` } });
    const json = (await res.json()) as { sub: string; identities: unknown[] };
    expect(json.identities).toEqual([{ provider: "dev", username: "dee", avatar: null }]);
  });
});

describe("authorization requests", () => {
  it("pre-selects the platform login_hint names, and ignores a hint naming none", async () => {
    const b = await signIn(h.t, { subject: "109" });
    const fresh = new (b.constructor as typeof import("../support/fakes").FakeBrowser)(h.t.app, ISSUER);
    const hinted = await authorize(h, fresh, { login_hint: "dev" });
    expect(hinted.res.status).toBe(302);
    expect(hinted.res.headers.get("location")).toMatch(/^\/auth\/dev\/start\?/);
    const other = await authorize(h, fresh, { login_hint: "someone@example.com" });
    expect(other.res.status).toBe(200); // the chooser
  });

  it("accepts a claims parameter without breaking, and refuses request objects by their error codes", async () => {
    const b = await signIn(h.t, { subject: "110" });
    const withClaims = await authorize(h, b, { claims: JSON.stringify({ id_token: { email: { essential: true } } }) });
    expect(withClaims.code).toMatch(/^ac_/);
    const req = await authorize(h, b, { request: "eyJhbGciOiJub25lIn0.e30." });
    expect(req.landed?.searchParams.get("error")).toBe("request_not_supported");
    const uri = await authorize(h, b, { request_uri: "urn:example:req" });
    expect(uri.landed?.searchParams.get("error")).toBe("request_uri_not_supported");
  });

  it("a code redeemed twice gives its nonce once", async () => {
    const b = await signIn(h.t, { subject: "111" });
    const { code, verifier } = await authorize(h, b, { nonce: "once" });
    expect((await redeem(h, code!, verifier)).status).toBe(200);
    const again = await redeem(h, code!, verifier);
    expect(again.status).toBe(400);
    expect(again.body.id_token).toBeUndefined();
  });
});
