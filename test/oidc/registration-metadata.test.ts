/**
 * OpenID Connect settings registered at POST /register (OpenID Connect Dynamic Client Registration 1.0 §2,
 * RFC 7591): `id_token_signed_response_alg`, `userinfo_signed_response_alg` and
 * `post_logout_redirect_uris` are checked by the same rules as the operator's, stored with the client,
 * echoed, and acted on — ID tokens and UserInfo signed as registered, RP-initiated logout back to a
 * registered address only. Bad values are `invalid_client_metadata` naming the field, and register nothing.
 */
import { eq } from "drizzle-orm";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_CLIENT_IDLE_MS } from "../../src/clients/dynamic";
import { clientOidc, clients } from "../../src/db/schema";
import { oidcSettings } from "../../src/oidc/client-settings";
import type { FakeBrowser } from "../support/fakes";
import { postForm } from "../support/oauth";
import { authorize, CB, harness, ISSUER, signIn, type Harness } from "./harness";

const BYE = "https://rp.example.com/bye";
const ELSEWHERE = "https://rp.example.com/elsewhere";

let h: Harness;
let peer = 0;
beforeAll(async () => {
  h = await harness({ AUTHBRIDGE_DYNAMIC_REGISTRATION: "1" });
});
afterAll(() => h?.t.close());

/** POST /register from a fresh address each time (the per-address limit is tested elsewhere). */
async function register(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await h.t.app.request("/register", { method: "POST", headers: { "content-type": "application/json", "x-test-peer": `203.0.113.${++peer}` }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Sign in as the registered (third-party, public) client: authorize, consent, redeem. */
async function signInTo(clientId: string, subject: string): Promise<{ b: FakeBrowser; body: Record<string, string> }> {
  const b = await signIn(h.t, { subject });
  const asked = await authorize({ t: h.t, client: { id: clientId, secret: "" } }, b, { scope: "openid profile" });
  const html = await asked.res.text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
  expect(field("req"), "the consent screen").toBeTruthy();
  const approved = await b.request(`${ISSUER}/authorize/consent`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER },
    body: new URLSearchParams({ req: field("req")!, csrf: field("csrf")!, decision: "approve" }).toString(),
  });
  const code = new URL(approved.headers.get("location")!).searchParams.get("code")!;
  const res = await postForm(h.t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: asked.verifier, client_id: clientId });
  expect(res.status).toBe(200);
  return { b, body: (await res.json()) as Record<string, string> };
}

const jwks = async () => createLocalJWKSet((await (await h.t.app.request("/.well-known/jwks.json")).json()) as JSONWebKeySet);
const clientCount = async () => (await h.t.deps.db.select({ id: clients.id }).from(clients)).length;

describe("POST /register with OpenID Connect metadata", () => {
  let clientId: string;
  let session: { b: FakeBrowser; body: Record<string, string> };

  it("stores the three settings and echoes them", async () => {
    const { status, json } = await register({
      redirect_uris: [CB],
      client_name: "Registered RP",
      id_token_signed_response_alg: "EdDSA",
      userinfo_signed_response_alg: "ES256",
      post_logout_redirect_uris: [BYE, BYE],
    });
    expect(status).toBe(201);
    expect(json).toMatchObject({ id_token_signed_response_alg: "EdDSA", userinfo_signed_response_alg: "ES256", post_logout_redirect_uris: [BYE] });
    clientId = json.client_id as string;
    expect(await oidcSettings(h.t.deps.db, clientId)).toEqual({ idTokenAlg: "EdDSA", userinfoAlg: "ES256", postLogoutRedirectUris: [BYE] });
  });

  it("signs its ID tokens and UserInfo as it registered", async () => {
    session = await signInTo(clientId, "reg-1");
    const id = await jwtVerify(session.body.id_token!, await jwks(), { issuer: ISSUER, audience: clientId, algorithms: ["EdDSA"], typ: "JWT" });
    expect(id.payload.nonce).toBe("n-0S6_WzA2Mj");
    const res = await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${session.body.access_token}` } });
    expect(res.headers.get("content-type")).toBe("application/jwt");
    // Fetched after the answer: a key of a new algorithm is made the first time one is needed.
    const info = await jwtVerify(await res.text(), await jwks(), { issuer: ISSUER, audience: clientId, algorithms: ["ES256"], typ: "JWT" });
    expect(info.payload.sub).toBe(id.payload.sub);
  });

  it("RP-initiated logout: another address is refused (no redirect, nothing ended); the registered one is followed", async () => {
    const logout = (uri: string) => session.b.request(`${ISSUER}/oidc/logout?${new URLSearchParams({ id_token_hint: session.body.id_token!, post_logout_redirect_uri: uri, state: "s1" })}`);
    const userinfo = async () => (await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${session.body.access_token}` } })).status;
    const refused = await logout(ELSEWHERE);
    expect(refused.headers.get("location")).toBeNull();
    expect(await refused.text()).toContain("is not registered for it");
    expect(await userinfo()).toBe(200);
    const followed = await logout(BYE);
    expect(followed.status).toBe(302);
    expect(followed.headers.get("location")).toBe(`${BYE}?state=s1`);
    expect(await userinfo()).toBe(401);
  });

  it("a registration without them gets the defaults, with the ID-token algorithm in effect echoed, and no row", async () => {
    const { status, json } = await register({ redirect_uris: [CB], id_token_signed_response_alg: null, post_logout_redirect_uris: null });
    expect(status).toBe(201);
    expect(json.id_token_signed_response_alg).toBe("RS256");
    expect(json).not.toHaveProperty("userinfo_signed_response_alg");
    expect(json).not.toHaveProperty("post_logout_redirect_uris");
    expect(await h.t.deps.db.select().from(clientOidc).where(eq(clientOidc.clientId, json.client_id as string))).toEqual([]);
    const { b, body } = await signInTo(json.client_id as string, "reg-2");
    expect(decodeProtectedHeader(body.id_token!).alg).toBe("RS256");
    const res = await h.t.app.request("/userinfo", { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    // No address registered: logout never redirects, even with a valid hint.
    const out = await b.request(`${ISSUER}/oidc/logout?${new URLSearchParams({ id_token_hint: body.id_token!, post_logout_redirect_uri: BYE })}`);
    expect(out.headers.get("location")).toBeNull();
  });

  it("refuses unsupported algorithms and bad addresses as invalid_client_metadata naming the field, registering nothing", async () => {
    const before = await clientCount();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id_token_signed_response_alg: "HS256" }, /^id_token_signed_response_alg: must be one of RS256, EdDSA, ES256/],
      [{ id_token_signed_response_alg: "none" }, /^id_token_signed_response_alg: /],
      [{ id_token_signed_response_alg: "rs256" }, /^id_token_signed_response_alg: /],
      [{ userinfo_signed_response_alg: "HS256" }, /^userinfo_signed_response_alg: must be one of/],
      [{ userinfo_signed_response_alg: "none" }, /^userinfo_signed_response_alg: /],
      [{ userinfo_signed_response_alg: 256 }, /^userinfo_signed_response_alg: /],
      [{ post_logout_redirect_uris: ["javascript:alert(1)"] }, /^post_logout_redirect_uris\.0: must be https, http on loopback, or a private-use scheme/],
      [{ post_logout_redirect_uris: [BYE, "http://rp.example.com/bye"] }, /^post_logout_redirect_uris\.1: /],
      [{ post_logout_redirect_uris: ["https://rp.example.com/bye#frag"] }, /^post_logout_redirect_uris\.0: must be an absolute URI without a fragment/],
      [{ post_logout_redirect_uris: ["not a uri"] }, /^post_logout_redirect_uris\.0: must be an absolute URI/],
      [{ post_logout_redirect_uris: ["data:text/html,hi"] }, /^post_logout_redirect_uris\.0: /],
      [{ post_logout_redirect_uris: BYE }, /^post_logout_redirect_uris: /],
      [{ post_logout_redirect_uris: Array.from({ length: 21 }, (_, i) => `${BYE}/${i}`) }, /^post_logout_redirect_uris: /],
      [{ id_token_encrypted_response_alg: "RSA-OAEP-256" }, /^id_token_encrypted_response_alg: encrypted responses are not offered/],
      [{ userinfo_encrypted_response_alg: "RSA-OAEP-256" }, /^userinfo_encrypted_response_alg: /],
    ];
    for (const [extra, description] of cases) {
      const { status, json } = await register({ redirect_uris: [CB], ...extra });
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(json.error, JSON.stringify(extra)).toBe("invalid_client_metadata");
      expect(json.error_description, JSON.stringify(extra)).toMatch(description);
    }
    expect(await clientCount()).toBe(before);
    // A private-use scheme (a native app's) follows the operator's rule: accepted.
    expect((await register({ redirect_uris: [CB], post_logout_redirect_uris: ["com.example.app:/signed-out"] })).status).toBe(201);
  });

  it("the settings go with the client when an unused one is swept", async () => {
    const { json } = await register({ redirect_uris: [CB], post_logout_redirect_uris: [BYE] });
    const id = json.client_id as string;
    const rows = () => h.t.deps.db.select().from(clientOidc).where(eq(clientOidc.clientId, id));
    expect(await rows()).toHaveLength(1);
    h.t.advance(DYNAMIC_CLIENT_IDLE_MS + 60_000);
    try {
      expect((await register({ redirect_uris: [CB] })).status).toBe(201); // each registration sweeps
      expect(await h.t.deps.db.select().from(clients).where(eq(clients.id, id))).toEqual([]);
      expect(await rows()).toEqual([]);
    } finally {
      h.t.advance(-(DYNAMIC_CLIENT_IDLE_MS + 60_000));
    }
  });
});
