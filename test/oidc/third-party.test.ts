/**
 * Sign-in for third-party clients (a registered one here): asking only for identity scopes needs no
 * resource — after the person's consent the client gets an ID token and an access token carrying identity
 * scopes only, and refreshes keep it that way; anything more still needs a registered resource.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDynamicClient } from "../../src/clients/dynamic";
import { claimsOf, postForm } from "../support/oauth";
import { authorize, CB, harness, ISSUER, signIn, verifyIdToken, type Harness } from "./harness";

let h: Harness;
let app: Harness;
beforeAll(async () => {
  h = await harness();
  const id = (await registerDynamicClient(h.t.deps.db, { name: "Notes app", redirectUris: [CB], grants: ["authorization_code", "refresh_token"], scopes: [] }, h.t.deps.now())).id;
  app = { t: h.t, client: { id, secret: "" } };
});
afterAll(() => h?.t.close());

describe("a third-party client signing a person in", () => {
  it("asks for consent, then gets an ID token and identity scopes only, also on refresh", async () => {
    const b = await signIn(h.t, { subject: "tp1", email: "tp@example.com" });
    const asked = await authorize(app, b, { scope: "openid email" });
    expect(asked.res.status).toBe(200);
    const html = await asked.res.text();
    expect(html).toContain("Notes app");
    const req = /name="req" value="([^"]+)"/.exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    const approved = await b.request(`${ISSUER}/authorize/consent`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER },
      body: new URLSearchParams({ req: req!, csrf: csrf!, decision: "approve" }).toString(),
    });
    expect(approved.status).toBe(303);
    const code = new URL(approved.headers.get("location")!).searchParams.get("code")!;
    const res = await postForm(h.t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: asked.verifier, client_id: app.client.id });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.scope).toBe("email openid");
    expect(claimsOf(body.access_token!).aud).toBe(ISSUER);
    const { payload } = await verifyIdToken(app, body.id_token!);
    expect(payload).toMatchObject({ aud: app.client.id, email: "tp@example.com", email_verified: true, nonce: "n-0S6_WzA2Mj" });

    const refreshed = await postForm(h.t.app, "/token", { grant_type: "refresh_token", refresh_token: body.refresh_token!, client_id: app.client.id });
    expect(refreshed.status).toBe(200);
    const again = (await refreshed.json()) as Record<string, string>;
    expect(again.scope).toBe("email openid");
    expect((await verifyIdToken(app, again.id_token!)).payload.sub).toBe(payload.sub);
    // Consent given: a silent sign-in now answers with a code.
    expect((await authorize(app, b, { scope: "openid email", prompt: "none" })).code).toMatch(/^ac_/);
  });

  it("still needs a registered resource for anything beyond identity scopes", async () => {
    const b = await signIn(h.t, { subject: "tp2" });
    const { landed } = await authorize(app, b, { scope: "openid dash:edit" });
    expect(landed?.searchParams.get("error")).toBe("invalid_target");
  });
});
