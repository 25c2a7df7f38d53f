/**
 * An OpenID Connect request for a registered API (`openid` beside the API's scopes, with `resource`): the
 * identity scopes are this server's own, not the API's, so the resource does not strip them. The client
 * gets an ID token, the consent screen names what it learns in words, and the access token carries only
 * what the API understands — also after a refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDynamicClient } from "../../src/clients/dynamic";
import { claimsOf, postForm } from "../support/oauth";
import { authorize, CB, harness, ISSUER, signIn, verifyIdToken, type Harness } from "./harness";

const DASH = "https://dash.example.com/api";
let h: Harness;
let thirdParty: Harness;
beforeAll(async () => {
  h = await harness({ AUTHBRIDGE_RESOURCES: JSON.stringify([{ uri: DASH, name: "Dashboards API", scopes: ["dash:edit"], descriptions: { "dash:edit": "Edit your dashboards" } }]) });
  const id = (await registerDynamicClient(h.t.deps.db, { name: "Dash helper", redirectUris: [CB], grants: ["authorization_code", "refresh_token"], scopes: [] }, h.t.deps.now())).id;
  thirdParty = { t: h.t, client: { id, secret: "" } };
});
afterAll(() => h?.t.close());

describe("openid beside a registered API's scopes", () => {
  it("a first-party client gets an ID token; the access token is for the API with its scope only", async () => {
    const b = await signIn(h.t, { subject: "res1", email: "res1@example.com" });
    const { code, verifier } = await authorize(h, b, { scope: "openid email dash:edit", resource: DASH });
    expect(code).toMatch(/^ac_/);
    const res = await postForm(h.t.app, "/token", { grant_type: "authorization_code", code: code!, redirect_uri: CB, code_verifier: verifier }, h.client);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.id_token).toBeTruthy();
    const { payload } = await verifyIdToken(h, body.id_token!);
    expect(payload).toMatchObject({ aud: h.client.id, email: "res1@example.com" });
    const access = claimsOf(body.access_token!);
    expect(access.aud).toBe(DASH);
    expect(access.scope).toBe("dash:edit");
    const refreshed = await postForm(h.t.app, "/token", { grant_type: "refresh_token", refresh_token: body.refresh_token! }, h.client);
    expect(refreshed.status).toBe(200);
    const again = (await refreshed.json()) as Record<string, string>;
    expect((await verifyIdToken(h, again.id_token!)).payload.sub).toBe(payload.sub);
    expect(claimsOf(again.access_token!)).toMatchObject({ aud: DASH, scope: "dash:edit" });
  });

  it("a third-party client's consent screen lists what it learns about the person beside the API's scope", async () => {
    const b = await signIn(h.t, { subject: "res2", email: "res2@example.com" });
    const asked = await authorize(thirdParty, b, { scope: "openid email dash:edit", resource: DASH });
    expect(asked.res.status).toBe(200);
    const html = await asked.res.text();
    expect(html).toContain("Dashboards API");
    expect(html).toContain("Edit your dashboards");
    expect(html).toContain("Know who you are");
    expect(html).toContain("See your verified email address");
  });

  it("without openid, identity scopes a resource does not understand are still dropped", async () => {
    const b = await signIn(h.t, { subject: "res3" });
    const { code, verifier } = await authorize(h, b, { scope: "email dash:edit", resource: DASH });
    const res = await postForm(h.t.app, "/token", { grant_type: "authorization_code", code: code!, redirect_uri: CB, code_verifier: verifier }, h.client);
    const body = (await res.json()) as Record<string, string>;
    expect(body.id_token).toBeUndefined();
    expect(claimsOf(body.access_token!).scope).toBe("dash:edit");
  });
});
