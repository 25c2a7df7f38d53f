/**
 * Who gets in: authbridge's own access tokens for the management API's audience, live (not expired, not
 * revoked by any mark, their client enabled), with a management scope. Bearer failures answer per RFC 6750;
 * a token without the scope answers 403 problem+json with an `insufficient_scope` challenge. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { postForm } from "../support/oauth";
import { AUD, createHarness, ISSUER, startStores, type Harness, type Stores } from "./harness";

let stores: Stores;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

describe.each(["embedded", "upstash"] as const)("management API authentication (%s store)", (store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(store, stores.bridge);
  });
  afterAll(() => h?.close());

  const get = (token: string | undefined) => h.call(token, "GET", "/api/v1/clients");

  async function expectInvalid(res: Response, why: RegExp) {
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer realm="authbridge", error="invalid_token"/);
    expect(challenge).toMatch(why);
    expect(await res.json()).toMatchObject({ error: "invalid_token" });
  }

  it("the operator's client_credentials token for the management audience gets in", async () => {
    const res = await get(await h.operatorToken());
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toHaveProperty("items");
  });

  it("no token: 401 with a bare challenge; a header that is not one Bearer token: 400 invalid_request", async () => {
    const none = await get(undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="authbridge"');
    const basic = await h.request("/api/v1/clients", { headers: { authorization: `Basic ${btoa(`${h.operator.id}:${h.operator.secret}`)}` } });
    expect(basic.status).toBe(401); // client credentials are not a management token
    const two = await h.call("a b", "GET", "/api/v1/clients");
    expect(two.status).toBe(400);
    expect(two.headers.get("www-authenticate")).toMatch(/error="invalid_request"/);
  });

  it("a token for another audience (the default one, the issuer) is refused: 401", async () => {
    const res = await postForm(h.t.app, "/token", { grant_type: "client_credentials" }, h.operator);
    const { access_token } = (await res.json()) as { access_token: string };
    await expectInvalid(await get(access_token), new RegExp(`audience must be ${AUD}`));
  });

  it("an expired token: 401", async () => {
    const token = await h.operatorToken();
    h.t.advance((h.t.deps.config.accessTokenTtl + 1) * 1000);
    try {
      await expectInvalid(await get(token), /invalid or expired/);
    } finally {
      h.t.advance(-(h.t.deps.config.accessTokenTtl + 1) * 1000);
    }
    expect((await get(token)).status).toBe(200);
  });

  it("a token revoked at /revoke: 401", async () => {
    const token = await h.operatorToken();
    expect((await get(token)).status).toBe(200);
    expect((await postForm(h.t.app, "/revoke", { token }, h.operator)).status).toBe(200);
    await expectInvalid(await get(token), /revoked/);
  });

  it("garbage, a tampered signature, a refresh token: 401", async () => {
    const token = await h.operatorToken();
    const [head, body] = token.split(".");
    await expectInvalid(await get(`${head}.${body}.${"A".repeat(86)}`), /invalid or expired/);
    await expectInvalid(await get("not-a-jwt"), /invalid or expired/);
    const b = await h.signIn("auth-refresh", ["devs"]);
    const { refresh_token } = await h.personToken(b);
    await expectInvalid(await get(refresh_token!), /invalid or expired/);
  });

  it("a token of a client disabled, or deleted, since: 401", async () => {
    const made = await createClient(h.t.deps.db, { name: "ci-2", scopes: ["authbridge:admin"], audiences: [AUD] });
    const creds = { id: made.client.id, secret: made.secret! };
    const mint = async () => ((await (await postForm(h.t.app, "/token", { grant_type: "client_credentials", resource: AUD }, creds)).json()) as { access_token: string }).access_token;
    const first = await mint();
    expect((await get(first)).status).toBe(200);
    const op = await h.operatorToken();
    expect((await h.call(op, "PATCH", `/api/v1/clients/${made.client.id}`, { disabled: true })).status).toBe(200);
    await expectInvalid(await get(first), /revoked/);
    h.t.advance(1000); // a token minted in the same second as the disable would be covered by its mark
    expect((await h.call(op, "PATCH", `/api/v1/clients/${made.client.id}`, { disabled: false })).status).toBe(200);
    const second = await mint();
    expect((await get(second)).status).toBe(200);
    expect((await h.call(op, "DELETE", `/api/v1/clients/${made.client.id}`)).status).toBe(204);
    await expectInvalid(await get(second), /revoked|disabled or gone/);
  });

  it("a token without a management scope: 403 problem+json with an insufficient_scope challenge", async () => {
    const made = await createClient(h.t.deps.db, { name: "reports", scopes: ["reports:read"], audiences: [AUD] });
    const res = await postForm(h.t.app, "/token", { grant_type: "client_credentials", resource: AUD }, { id: made.client.id, secret: made.secret! });
    const { access_token } = (await res.json()) as { access_token: string };
    const denied = await get(access_token);
    expect(denied.status).toBe(403);
    expect(denied.headers.get("content-type")).toBe("application/problem+json");
    expect(denied.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="authbridge:clients"');
    expect(await denied.json()).toMatchObject({ status: 403, title: "Forbidden", required_scope: "authbridge:clients" });
  });

  it("authbridge:clients held by a client (not an account) is no developer: 403", async () => {
    const made = await createClient(h.t.deps.db, { name: "bot", scopes: ["authbridge:clients"], audiences: [AUD] });
    const res = await postForm(h.t.app, "/token", { grant_type: "client_credentials", resource: AUD }, { id: made.client.id, secret: made.secret! });
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await get(access_token)).status).toBe(403);
  });

  it("a person's token carries only the management scopes the rules entitle them to", async () => {
    const dev = await h.personToken(await h.signIn("auth-dev", ["devs"]));
    expect((await get(dev.access_token)).status).toBe(200);
    expect((await h.call(dev.access_token, "GET", "/api/v1/audit")).status).toBe(403);
    const nobody = await h.personToken(await h.signIn("auth-nobody", []));
    expect((await get(nobody.access_token)).status).toBe(403);
    const ops = await h.personToken(await h.signIn("auth-ops", ["ops"]));
    expect((await h.call(ops.access_token, "GET", "/api/v1/audit")).status).toBe(200);
    expect(ISSUER).toBe(h.t.deps.config.issuer);
  });
});
