/**
 * Consent for third-party clients, on both stores: a client the operator did not create never gets a code
 * without the person's approval for that client, resource and scopes; approvals are remembered (the same
 * or fewer scopes skip the screen, more ask again); Deny answers access_denied; the form is CSRF-checked
 * and bound to the session that was asked; "Connected apps" on /account revokes the approval and ends the
 * app's tokens for the account (introspection, refresh, a code obtained just before). First-party clients
 * skip the screen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDynamicClient } from "../../../src/clients/dynamic";
import { claimsOf } from "../../support/oauth";
import { CB, createHarness, ISSUER, LOOPBACK_CB, MCP, MCP_SCOPES, startStores, type Harness } from "./harness";

let stores: Awaited<ReturnType<typeof startStores>>;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

async function dynamicClient(h: Harness, redirectUris = [CB, LOOPBACK_CB]): Promise<string> {
  return (await registerDynamicClient(h.t.deps.db, { name: "Inspector", redirectUris, grants: ["authorization_code", "refresh_token"], scopes: [] }, h.t.deps.now())).id;
}

for (const store of ["embedded", "upstash"] as const) {
  describe(`consent (${store} store)`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(store, stores.bridge);
    });
    afterAll(() => h.close());

    it("a first-party client skips the screen; third-party clients (developer's, registered) never do", async () => {
      const b = await h.signIn("first-party-person");
      const firstParty = await h.firstParty();
      expect((await h.authorize(b, firstParty)).kind).toBe("redirect");
      for (const clientId of [await h.developerApp(), await dynamicClient(h)]) {
        const outcome = await h.authorize(b, clientId);
        expect(outcome.kind).toBe("consent");
        // Asked again and again until approved: no code ever leaves without it.
        expect((await h.authorize(b, clientId)).kind).toBe("consent");
      }
    });

    it("the screen names the app, the redirect host (warning for loopback), the resource and each scope in words", async () => {
      const b = await h.signIn("screen-person");
      const clientId = await dynamicClient(h);
      const web = await h.authorize(b, clientId);
      if (web.kind !== "consent") throw new Error("expected the consent screen");
      expect(web.html).toContain("Inspector");
      expect(web.html).toContain("app.example.com");
      expect(web.html).toContain("Notes MCP");
      expect(web.html).toContain(MCP);
      expect(web.html).toContain("Read your notes");
      expect(web.html).toContain("Create and change your notes");
      expect(web.html).not.toContain('id="consent-loopback"');
      expect(web.res.headers.get("content-security-policy")).toContain("form-action 'self' https://app.example.com");
      expect(web.res.headers.get("content-security-policy")).not.toContain("script-src");
      expect(web.res.headers.get("x-frame-options")).toBe("DENY");
      const local = await h.authorize(b, clientId, { redirect_uri: LOOPBACK_CB });
      if (local.kind !== "consent") throw new Error("expected the consent screen");
      expect(local.html).toContain('id="consent-loopback"');
      expect(local.html).toContain("127.0.0.1:8976");
    });

    it("approve: a code for exactly the approved scopes; remembered for the same or fewer; more scopes ask again", async () => {
      const b = await h.signIn("remember-person");
      const clientId = await dynamicClient(h);
      const tokens = await h.tokensFor(b, clientId, { scope: "notes:read" });
      expect(tokens.scope).toBe("notes:read");
      expect(claimsOf(tokens.access_token)).toMatchObject({ aud: MCP, client_id: clientId, scope: "notes:read" });
      expect((await h.authorize(b, clientId, { scope: "notes:read" })).kind).toBe("redirect");
      // One more scope: asked again; approving adds it, and then both are remembered.
      expect((await h.authorize(b, clientId, { scope: "notes:read notes:write" })).kind).toBe("consent");
      expect((await h.tokensFor(b, clientId, { scope: "notes:read notes:write" })).scope).toBe("notes:read notes:write");
      expect((await h.authorize(b, clientId, { scope: "notes:write" })).kind).toBe("redirect");
      expect((await h.authorize(b, clientId, { scope: "notes:write", prompt: "consent" })).kind).toBe("consent");
      // Remembered per account: someone else is asked.
      const other = await h.signIn("remember-other");
      expect((await h.authorize(other, clientId, { scope: "notes:read" })).kind).toBe("consent");
    });

    it("deny: access_denied at the redirect URI with state and iss; nothing remembered", async () => {
      const b = await h.signIn("deny-person");
      const clientId = await dynamicClient(h);
      const outcome = await h.authorize(b, clientId);
      if (outcome.kind !== "consent") throw new Error("expected the consent screen");
      const res = await h.decide(b, outcome, "deny");
      expect(res.status).toBe(303);
      const loc = new URL(res.headers.get("location")!);
      expect(loc.origin + loc.pathname).toBe(CB);
      expect(Object.fromEntries(loc.searchParams)).toMatchObject({ error: "access_denied", state: "st", iss: ISSUER });
      expect(loc.searchParams.has("code")).toBe(false);
      expect((await h.authorize(b, clientId)).kind).toBe("consent");
    });

    it("the form is CSRF-checked, single use, and only the session that was asked may answer it", async () => {
      const b = await h.signIn("csrf-person");
      const clientId = await dynamicClient(h);
      const outcome = await h.authorize(b, clientId);
      if (outcome.kind !== "consent") throw new Error("expected the consent screen");
      expect((await h.decide(b, outcome, "approve", { origin: "https://evil.example" })).status).toBe(403);
      expect((await h.decide(b, { ...outcome, csrf: "forged" }, "approve")).status).toBe(400);
      // Another person's session, with its own valid form token, cannot answer this request.
      const mallory = await h.signIn("csrf-mallory");
      const theirs = await h.authorize(mallory, clientId);
      if (theirs.kind !== "consent") throw new Error("expected the consent screen");
      expect((await h.decide(mallory, { req: outcome.req, csrf: theirs.csrf }, "approve")).status).toBe(400);
      // The request was taken by that attempt: it is gone for everyone (no replay).
      expect((await h.decide(b, outcome, "approve")).status).toBe(400);
      const again = await h.authorize(b, clientId);
      if (again.kind !== "consent") throw new Error("expected the consent screen");
      expect((await h.decide(b, again, "approve")).status).toBe(303);
      expect((await h.decide(b, again, "approve")).status).toBe(400);
    });

    it("Connected apps lists the app; Revoke forgets it and ends its tokens (introspection, refresh, a code from just before)", async () => {
      const b = await h.signIn("revoke-person");
      const clientId = await dynamicClient(h);
      const firstParty = await h.firstParty({ audiences: [] });
      const tokens = await h.tokensFor(b, clientId);
      const mine = await h.tokensFor(b, firstParty, { scope: "notes:read" });
      expect((await h.introspect(tokens.access_token)).active).toBe(true);
      // A code obtained just before the revoke.
      const pending = await h.authorize(b, clientId);
      if (pending.kind !== "redirect") throw new Error("expected a code");

      const page = await (await b.request(`${ISSUER}/account`)).text();
      expect(page).toContain("Connected apps");
      expect(page).toContain(`data-client-id="${clientId}"`);
      expect(page).toContain("Notes MCP");
      expect(page).toContain("notes:read notes:write");
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const revoke = (id: string, token = csrf, origin = ISSUER) =>
        b.request(`${ISSUER}/account/apps/revoke`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin },
          body: new URLSearchParams({ csrf: token, client_id: id }).toString(),
        });
      expect((await revoke(clientId, "forged")).status).toBe(401);
      expect((await revoke(clientId, csrf, "https://evil.example")).status).toBe(403);
      expect((await h.introspect(tokens.access_token)).active).toBe(true);
      const done = await revoke(clientId);
      expect(done.status).toBe(303);
      expect(done.headers.get("location")).toBe("/account?done=app-revoked");

      expect((await h.introspect(tokens.access_token)).active).toBe(false);
      expect(await (await h.refresh(clientId, tokens.refresh_token!)).json()).toMatchObject({ error: "invalid_grant" });
      const code = pending.location.searchParams.get("code")!;
      expect(await (await h.redeem(clientId, code, pending.verifier)).json()).toMatchObject({ error: "invalid_grant" });
      // Only that app: the account's other tokens live on.
      expect((await h.introspect(mine.access_token)).active).toBe(true);
      expect((await h.refresh(firstParty, mine.refresh_token!)).status).toBe(200);
      // Forgotten: asked again, and a new approval works.
      const after = await (await b.request(`${ISSUER}/account`)).text();
      expect(after).not.toContain(`data-client-id="${clientId}"`);
      expect((await revoke(clientId)).status).toBe(404);
      expect((await h.authorize(b, clientId)).kind).toBe("consent");
      h.t.advance(1500); // past the mark's millisecond and the second of the old tokens' iat
      const fresh = await h.tokensFor(b, clientId);
      expect((await h.introspect(fresh.access_token)).active).toBe(true);
      expect((await h.refresh(clientId, fresh.refresh_token!)).status).toBe(200);
    });

    it("another account's app cannot be revoked from this account", async () => {
      const alice = await h.signIn("revoke-alice");
      const clientId = await dynamicClient(h);
      const tokens = await h.tokensFor(alice, clientId);
      const bob = await h.signIn("revoke-bob");
      const page = await (await bob.request(`${ISSUER}/account`)).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const res = await bob.request(`${ISSUER}/account/apps/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER },
        body: new URLSearchParams({ csrf, client_id: clientId }).toString(),
      });
      expect(res.status).toBe(404);
      expect((await h.introspect(tokens.access_token)).active).toBe(true);
    });

    it("a third-party client never gets a scope its resource does not understand, whatever it asks and however it refreshes", async () => {
      const b = await h.signIn("narrow-person"); // entitled to notes:*, authbridge:admin, repos:read, profile
      const clientId = await dynamicClient(h);
      const consent = await h.authorize(b, clientId, { scope: "notes:read authbridge:admin repos:read profile" });
      if (consent.kind !== "consent") throw new Error("expected the consent screen");
      expect(consent.html).not.toContain("authbridge:admin");
      expect([...consent.html.matchAll(/data-scope="([^"]+)"/g)].map((m) => m[1])).toEqual(["notes:read"]);
      const tokens = await h.tokensFor(b, clientId, { scope: "notes:read authbridge:admin repos:read profile" });
      expect(tokens.scope).toBe("notes:read");
      // Nothing asked: the resource's scopes (those the person holds), never everything the person holds.
      expect((await h.tokensFor(b, clientId, { scope: "" })).scope).toBe(MCP_SCOPES.join(" "));
      // Only scopes the resource does not understand: refused, not an unbounded token.
      const refused = await h.authorize(b, clientId, { scope: "authbridge:admin" });
      if (refused.kind !== "redirect") throw new Error("expected a redirect");
      expect(refused.location.searchParams.get("error")).toBe("invalid_scope");
      const r = await h.refresh(clientId, tokens.refresh_token!, { scope: "authbridge:admin" });
      expect(await r.json()).toMatchObject({ error: "invalid_scope" });
      // Without a resource the default audience is not theirs (it is no registered resource).
      const none = await h.authorize(b, clientId, { resource: "" });
      if (none.kind !== "redirect") throw new Error("expected a redirect");
      expect(none.location.searchParams.get("error")).toBe("invalid_target");
    });
  });
}
