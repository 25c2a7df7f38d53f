/**
 * A client's OpenID Connect settings through the management API: `POST` and `PATCH /api/v1/clients` take
 * `id_token_signed_response_alg`, `userinfo_signed_response_alg` and `post_logout_redirect_uris` (a PATCH
 * changes only what it gives; `null` puts an algorithm back to its default, `[]` removes the URIs), `GET`
 * shows them for every client, defaults included, and a change reaches the protocol at once: the next ID
 * token is signed with the new algorithm and UserInfo answers a signed JWT. Bad values are RFC 9457
 * problems naming the field, and change nothing. Developers set them on their own apps only.
 */
import { asc, eq } from "drizzle-orm";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, clientOidc, clients } from "../../src/db/schema";
import { oidcSettings } from "../../src/oidc/client-settings";
import { authorizeUrl, pkce } from "../support/login";
import { claimsOf, postForm } from "../support/oauth";
import { createHarness, ISSUER, startStores, type Harness, type Stores } from "./harness";

type ClientJson = Record<string, unknown> & { client_id: string; client_secret?: string };

const CB = "https://dash.example.com/cb";
const BYE = ["https://dash.example.com/bye", "com.example.dash:/signed-out"];
const DEFAULTS = { id_token_signed_response_alg: "RS256", userinfo_signed_response_alg: null, post_logout_redirect_uris: [] };

let stores: Stores;
let h: Harness;
let op: string;
beforeAll(async () => {
  // The settings live in the database only: one store is enough here (clients.test.ts runs both).
  stores = await startStores();
  h = await createHarness("embedded", stores.bridge);
  op = await h.operatorToken();
});
afterAll(async () => {
  h?.close();
  await stores?.stop();
});

async function create(token: string, body: Record<string, unknown>): Promise<ClientJson> {
  const res = await h.call(token, "POST", "/api/v1/clients", body);
  const json = (await res.json()) as ClientJson;
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json;
}

async function patch(token: string, id: string, body: Record<string, unknown>): Promise<ClientJson> {
  const res = await h.call(token, "PATCH", `/api/v1/clients/${id}`, body);
  const json = (await res.json()) as ClientJson;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

const show = async (id: string) => (await (await h.call(op, "GET", `/api/v1/clients/${id}`)).json()) as ClientJson;
const updates = async (id: string) =>
  (await h.t.deps.db.select().from(auditEvents).where(eq(auditEvents.subject, id)).orderBy(asc(auditEvents.id))).filter((r) => r.type === "client.updated");

/** Everything a refused request could have changed. */
async function snapshot() {
  const db = h.t.deps.db;
  return {
    clients: await db.select().from(clients).orderBy(asc(clients.id)),
    oidc: await db.select().from(clientOidc).orderBy(asc(clientOidc.clientId)),
    audit: (await db.select().from(auditEvents)).length,
  };
}

/** Sign a person in and run the code flow with `openid` for a public client: the token answer. */
async function openIdTokens(clientId: string): Promise<{ access_token: string; id_token: string }> {
  const b = await h.signIn("oidc-person", []);
  const { verifier, challenge } = pkce();
  const res = await b.request(
    authorizeUrl(ISSUER, { response_type: "code", client_id: clientId, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", scope: "openid profile", nonce: "n-1" }),
  );
  expect(res.status).toBe(302);
  const code = new URL(res.headers.get("location")!).searchParams.get("code");
  expect(code, res.headers.get("location") ?? "").toBeTruthy();
  const token = await postForm(h.t.app, "/token", { grant_type: "authorization_code", code: code!, redirect_uri: CB, code_verifier: verifier, client_id: clientId });
  const body = (await token.json()) as { access_token: string; id_token: string };
  expect(token.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe("OpenID Connect settings of clients (operators)", () => {
  it("are registered with the client, shown by GET and in the list, and are what the protocol reads", async () => {
    const c = await create(op, {
      name: "Dashboards",
      public: true,
      redirect_uris: [CB],
      id_token_signed_response_alg: "ES256",
      userinfo_signed_response_alg: "EdDSA",
      post_logout_redirect_uris: BYE,
    });
    expect(c).toMatchObject({ id_token_signed_response_alg: "ES256", userinfo_signed_response_alg: "EdDSA", post_logout_redirect_uris: BYE });
    expect(await show(c.client_id)).toEqual(c);
    const listed = (await (await h.call(op, "GET", `/api/v1/clients?q=${c.client_id}`)).json()) as { items: ClientJson[] };
    expect(listed.items).toEqual([c]);
    expect(await oidcSettings(h.t.deps.db, c.client_id)).toEqual({ idTokenAlg: "ES256", userinfoAlg: "EdDSA", postLogoutRedirectUris: BYE });
  });

  it("are the defaults for a client that registered none, shown all the same (also with null given)", async () => {
    const plain = await create(op, { name: "plain", grants: ["client_credentials"] });
    expect(plain).toMatchObject(DEFAULTS);
    expect(await h.t.deps.db.select().from(clientOidc).where(eq(clientOidc.clientId, plain.client_id))).toEqual([]);
    const nulls = await create(op, { name: "nulls", grants: ["client_credentials"], id_token_signed_response_alg: null, userinfo_signed_response_alg: null });
    expect(nulls).toMatchObject(DEFAULTS);
    // Every client in a list page carries them.
    const page = (await (await h.call(op, "GET", "/api/v1/clients?limit=50")).json()) as { items: ClientJson[] };
    for (const item of page.items) expect(Object.keys(item)).toEqual(expect.arrayContaining(Object.keys(DEFAULTS)));
  });

  it("PATCH changes only what it gives; null goes back to the default and [] removes the URIs; audited by field", async () => {
    const c = await create(op, { name: "patched", public: true, redirect_uris: [CB], post_logout_redirect_uris: BYE });
    const alg = await patch(op, c.client_id, { id_token_signed_response_alg: "EdDSA" });
    expect(alg).toMatchObject({ name: "patched", redirect_uris: [CB], id_token_signed_response_alg: "EdDSA", userinfo_signed_response_alg: null, post_logout_redirect_uris: BYE });
    const named = await patch(op, c.client_id, { name: "Patched" });
    expect(named).toMatchObject({ name: "Patched", id_token_signed_response_alg: "EdDSA", post_logout_redirect_uris: BYE });
    const one = await patch(op, c.client_id, { post_logout_redirect_uris: [BYE[1]], userinfo_signed_response_alg: "RS256" });
    expect(one).toMatchObject({ id_token_signed_response_alg: "EdDSA", userinfo_signed_response_alg: "RS256", post_logout_redirect_uris: [BYE[1]] });
    const back = await patch(op, c.client_id, { id_token_signed_response_alg: null, userinfo_signed_response_alg: null, post_logout_redirect_uris: [] });
    expect(back).toMatchObject({ name: "Patched", ...DEFAULTS });
    expect(await show(c.client_id)).toEqual(back);
    // The same values again change nothing and write no row.
    await patch(op, c.client_id, { userinfo_signed_response_alg: null, post_logout_redirect_uris: [] });
    const rows = await updates(c.client_id);
    expect(rows.map((r) => r.actor)).toEqual([h.operator.id, h.operator.id, h.operator.id, h.operator.id]);
    expect(rows.map((r) => JSON.parse(r.detail) as unknown)).toEqual([
      { fields: ["idTokenAlg"] },
      { fields: ["name"] },
      { fields: ["userinfoAlg", "postLogoutRedirectUris"] },
      { fields: ["idTokenAlg", "userinfoAlg", "postLogoutRedirectUris"] },
    ]);
  });

  it("a change reaches the protocol at once: the next ID token's algorithm, UserInfo as a signed JWT, and back", async () => {
    const c = await create(op, { name: "signed", public: true, redirect_uris: [CB] });
    expect(decodeProtectedHeader((await openIdTokens(c.client_id)).id_token).alg).toBe("RS256");

    await patch(op, c.client_id, { id_token_signed_response_alg: "ES256", userinfo_signed_response_alg: "EdDSA" });
    const signed = await openIdTokens(c.client_id);
    expect(decodeProtectedHeader(signed.id_token).alg).toBe("ES256");
    const info = await h.request("/userinfo", { headers: { authorization: `Bearer ${signed.access_token}` } });
    expect(info.status).toBe(200);
    expect(info.headers.get("content-type")).toMatch(/^application\/jwt/);
    const jwt = await info.text();
    expect(decodeProtectedHeader(jwt).alg).toBe("EdDSA");
    expect(claimsOf(jwt)).toMatchObject({ aud: c.client_id, sub: claimsOf(signed.id_token).sub });

    await patch(op, c.client_id, { id_token_signed_response_alg: null, userinfo_signed_response_alg: null });
    const plain = await openIdTokens(c.client_id);
    expect(decodeProtectedHeader(plain.id_token).alg).toBe("RS256");
    const json = await h.request("/userinfo", { headers: { authorization: `Bearer ${plain.access_token}` } });
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("refuses bad values as problems naming each field (400, problem+json), on POST and PATCH, and changes nothing", async () => {
    const c = await create(op, { name: "strict", public: true, redirect_uris: [CB], post_logout_redirect_uris: BYE });
    const before = await snapshot();
    const problem = async (method: "POST" | "PATCH", body: Record<string, unknown>) => {
      const res = await h.call(op, method, method === "POST" ? "/api/v1/clients" : `/api/v1/clients/${c.client_id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      return ((await res.json()) as { errors: string[] }).errors;
    };
    for (const method of ["POST", "PATCH"] as const) {
      const base = method === "POST" ? { name: "x", public: true, redirect_uris: [CB] } : {};
      expect(await problem(method, { ...base, id_token_signed_response_alg: "HS256", userinfo_signed_response_alg: "none" })).toEqual([
        "id_token_signed_response_alg: must be one of RS256, EdDSA, ES256",
        "userinfo_signed_response_alg: must be one of RS256, EdDSA, ES256",
      ]);
      expect(await problem(method, { ...base, post_logout_redirect_uris: ["https://ok.example.com/bye", "http://evil.example.com/bye", "not a uri", "https://a.example.com/#f"] })).toEqual([
        "post_logout_redirect_uris.1: must be https, http on loopback, or a private-use scheme",
        "post_logout_redirect_uris.2: must be an absolute URI without a fragment",
        "post_logout_redirect_uris.3: must be an absolute URI without a fragment",
      ]);
      const many = Array.from({ length: 21 }, (_, i) => `https://dash.example.com/bye/${i}`);
      expect(await problem(method, { ...base, post_logout_redirect_uris: many })).toEqual(["post_logout_redirect_uris: at most 20 URIs"]);
      expect((await problem(method, { ...base, post_logout_redirect_uris: "https://dash.example.com/bye" }))[0]).toMatch(/^post_logout_redirect_uris: /);
      expect((await problem(method, { ...base, id_token_signed_response_alg: 256 }))[0]).toMatch(/^id_token_signed_response_alg: /);
    }
    // A settings problem beside a client problem: both at once, and nothing of the rest is applied.
    expect(await problem("PATCH", { name: "renamed", grants: ["client_credentials"], post_logout_redirect_uris: ["http://evil.example.com/bye"] })).toEqual([
      "grants: public clients cannot use client_credentials or token exchange",
      "post_logout_redirect_uris.0: must be https, http on loopback, or a private-use scheme",
    ]);
    expect(await problem("PATCH", { name: "renamed", userinfo_signed_response_alg: "HS512" })).toEqual(["userinfo_signed_response_alg: must be one of RS256, EdDSA, ES256"]);
    expect(await snapshot()).toEqual(before);
  });
});

describe("OpenID Connect settings of a developer's apps", () => {
  it("a developer sets them on their own app, and another developer's app answers 404 like a missing one", async () => {
    const dev = (await h.personToken(await h.signIn("oidc-dev", ["devs"]))).access_token;
    const other = (await h.personToken(await h.signIn("oidc-other", ["devs"]))).access_token;
    const mine = await create(dev, { name: "mine", redirect_uris: [CB], userinfo_signed_response_alg: "ES256" });
    expect(mine).toMatchObject({ owner_account_id: claimsOf(dev).sub, userinfo_signed_response_alg: "ES256" });
    expect(await patch(dev, mine.client_id, { post_logout_redirect_uris: BYE })).toMatchObject({ userinfo_signed_response_alg: "ES256", post_logout_redirect_uris: BYE });
    expect((await updates(mine.client_id)).map((r) => r.actor)).toEqual([claimsOf(dev).sub]);

    const before = await snapshot();
    const theirs = await h.call(other, "PATCH", `/api/v1/clients/${mine.client_id}`, { post_logout_redirect_uris: ["https://evil.example.com/bye"] });
    const missing = await h.call(other, "PATCH", "/api/v1/clients/client_doesnotexist", { post_logout_redirect_uris: ["https://evil.example.com/bye"] });
    expect(theirs.status).toBe(404);
    expect(await theirs.json()).toEqual({ ...((await missing.json()) as object), detail: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });
});
