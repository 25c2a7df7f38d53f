/**
 * The developer's side of the console through a FakeBrowser against the real app: register an app (the
 * secret shown once, never in a URL), use it at /token, edit it, reset its secret (the old one refused),
 * disable, enable, delete — each confirmed first where it destroys something, each audited with the
 * developer's account as the actor; form problems come back next to the fields with a 400; personal API
 * keys created once, exchanged, revoked.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setClientDisabled } from "../../src/admin/clients-state";
import { clients } from "../../src/db/schema";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";
import { postForm } from "../support/oauth";
import { auditCount, auditOf, clientIdIn, developerWorld, open, secretIn, send, tokenOf } from "./developer-support";
import { signedIn } from "./support";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const API_KEY_TYPE = "urn:authbridge:token-type:api-key";

let t: TestApp;
let dana: FakeBrowser;
let danaId: string;
let csrf: string;
beforeAll(async () => {
  ({ t, dana, danaId, csrf } = await developerWorld());
});
afterAll(() => t?.close());

// A developer's app is a third-party client: its tokens are for an API it names (one of its audiences).
const API = "https://api.example.com";
const clientCredentials = (id: string, secret: string) => postForm(t.app, "/token", { grant_type: "client_credentials", resource: API }, { id, secret });

/** Register a confidential client_credentials app as dana; its id and secret. */
async function register(name: string, extra: Record<string, string | string[]> = {}) {
  const res = await send(dana, "/console/apps", { name, kind: "confidential", grant: "client_credentials", scope: "repos:read", audiences: API, ...extra }, { csrf });
  expect(res.status, res.html).toBe(200);
  return { id: clientIdIn(res.html), secret: secretIn(res.html, "client-secret"), html: res.html };
}

describe("a developer's apps", () => {
  it("lists none at first, with the way to register one", async () => {
    const fresh = await signedIn(t, "newbie", "devs");
    const { status, html } = await open(fresh, "/console/apps");
    expect(status).toBe(200);
    expect(html).toContain("You have not registered an app yet.");
    expect(html).toContain('href="/console/apps/new"');
    const form = await open(fresh, "/console/apps/new");
    expect(form.status).toBe(200);
    // Offered: the scopes the developer holds except the reserved authbridge: ones.
    expect(form.html).toContain('value="repos:read"');
    expect(form.html).toContain('value="profile"');
    expect(form.html).not.toContain('value="authbridge:clients"');
  });

  it("registers an app, shows the secret once (in the answer, not a URL), and the secret works at /token", async () => {
    const res = await send(dana, "/console/apps", { name: "Billing", kind: "confidential", grant: "client_credentials", scope: "repos:read", audiences: API }, { csrf });
    expect(res.status).toBe(200);
    expect(res.location).toBeNull();
    const id = clientIdIn(res.html);
    const secret = secretIn(res.html, "client-secret");
    expect(res.html).toContain("Copy it now: it will not be shown again.");
    expect(res.html.split(secret).length - 1).toBe(1);

    const token = await clientCredentials(id, secret);
    expect(token.status, await token.clone().text()).toBe(200);
    expect(await token.json()).toMatchObject({ token_type: "Bearer", scope: "repos:read" });

    const list = await open(dana, "/console/apps");
    expect(list.html).toContain(`<code>${id}</code>`);
    expect(list.html).toContain(">Billing</a>");
    expect(list.html).toContain("Registered");
    expect(list.html).toContain("just now");
    // Last use: shown in words when recorded, and never claimed as "never" when not.
    expect(list.html).toContain("Last used");
    expect(list.html).toContain("not recorded");
    await t.deps.db.update(clients).set({ lastUsedAt: t.deps.now() - 3 * 3600_000 }).where(eq(clients.id, id));
    expect((await open(dana, "/console/apps")).html).toMatch(/data-label="Last used"[^>]*><time[^>]*>3 hours ago</);
    expect(list.html).not.toContain(secret);
    const detail = await open(dana, `/console/apps/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.html).not.toContain(secret);
    expect(detail.html).toContain('aria-label="Reset secret of app Billing"');
    expect(detail.html).toContain('aria-label="Disable app Billing"');
    expect(detail.html).toContain('aria-label="Delete app Billing"');

    const [created] = await auditOf(t, "client.created", id);
    expect(created?.actor).toBe(danaId);
    const [row] = await t.deps.db.select().from(clients).where(eq(clients.id, id));
    expect(row?.ownerAccountId).toBe(danaId);
  });

  it("registers a public web app without a secret", async () => {
    const res = await send(dana, "/console/apps", { name: "Spa", kind: "public", grant: "web", redirect_uris: "https://spa.example.com/cb\r\nhttp://127.0.0.1:5173/cb\r\n" }, { csrf });
    expect(res.status).toBe(200);
    expect(res.html).not.toContain('id="client-secret"');
    expect(res.html).toContain("A public app has no secret");
    const id = clientIdIn(res.html);
    const detail = await open(dana, `/console/apps/${id}`);
    expect(detail.html).toContain(`<code class="id">https://spa.example.com/cb</code>`);
    expect(detail.html).toContain(`<code class="id">authorization_code</code>`);
    expect(detail.html).toContain(`<code class="id">refresh_token</code>`);
    expect(detail.html).not.toContain("Reset secret"); // nothing to reset
    expect((await open(dana, `/console/apps/${id}/reset-secret`)).status).toBe(409);
  });

  it("sends the form back with its problems (400), as typed, and registers nothing", async () => {
    const before = (await open(dana, "/console/apps")).html.match(/data-client-id/g)?.length ?? 0;
    const cases: { fields: Record<string, string | string[]>; says: string; field: string }[] = [
      { fields: { name: " ", kind: "confidential", grant: "client_credentials" }, says: "Give the app a name.", field: "name" },
      { fields: { name: "NoGrant", kind: "confidential" }, says: "Pick at least one way the app gets tokens.", field: "grants" },
      { fields: { name: "BadUri", kind: "confidential", grant: "web", redirect_uris: "https://ok.example/cb\nhttps://evil.example/cb#frag" }, says: "Redirect URI “https://evil.example/cb#frag”: must be an absolute URI without a fragment.", field: "redirect_uris" },
      { fields: { name: "NoUri", kind: "confidential", grant: "web" }, says: "Authorization_code needs at least one redirect URI.", field: "redirect_uris" },
      { fields: { name: "PublicCC", kind: "public", grant: "client_credentials" }, says: "Public clients cannot use client_credentials or token exchange.", field: "grants" },
      // A forged form: scopes the developer does not hold, or reserved ones.
      { fields: { name: "Greedy", kind: "confidential", grant: "client_credentials", scope: ["repos:write"] }, says: "You are not entitled to repos:write", field: "scopes" },
      { fields: { name: "Admin", kind: "confidential", grant: "client_credentials", scope: ["authbridge:admin"] }, says: "Only an operator can allow authbridge:admin.", field: "scopes" },
    ];
    for (const c of cases) {
      const res = await send(dana, "/console/apps", c.fields, { csrf });
      expect(res.status, c.says).toBe(400);
      expect(res.html).toContain('role="alert"');
      expect(res.html, c.says).toContain(c.says.replaceAll("“", "“"));
      expect(res.html).toContain(`href="#${c.field}"`);
      if (c.field === "name" || c.field === "redirect_uris") expect(res.html).toContain(`aria-describedby="${c.field}-problem"`);
    }
    // What was typed comes back (a line that is no URI at all is a problem like any other, not a 500).
    const typed = await send(dana, "/console/apps", { name: "BadUri", kind: "public", grant: "web", redirect_uris: "notauri" }, { csrf });
    expect(typed.status).toBe(400);
    expect(typed.html).toContain("Redirect URI “notauri”: must be an absolute URI without a fragment.");
    expect(typed.html).toContain('value="BadUri"');
    expect(typed.html).toContain(">notauri</textarea>");
    expect(typed.html).toMatch(/value="public" checked/);
    expect((await open(dana, "/console/apps")).html.match(/data-client-id/g)?.length ?? 0).toBe(before);
  });

  it("edits name, redirect URIs, scopes and audiences; problems come back on the app's page", async () => {
    const { id } = await register("Edit me");
    const res = await send(dana, `/console/apps/${id}`, { name: "Edited", redirect_uris: "https://edited.example/cb", scope: ["profile"], audiences: `${API}\nhttps://other.example.com` }, { csrf });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/console/apps/${id}?done=updated`);
    const page = await open(dana, res.location!);
    expect(page.html).toContain("Your changes were saved.");
    expect(page.html).toContain("<h1>Edited</h1>");
    expect(page.html).toContain(`<code class="id">https://edited.example/cb</code>`);
    expect(page.html).toContain(`<code class="id">https://other.example.com</code>`);
    expect(page.html).toMatch(/value="profile" checked/);
    expect(page.html).not.toMatch(/value="repos:read" checked/);
    const [updated] = await auditOf(t, "client.updated", id);
    expect(updated?.actor).toBe(danaId);
    expect(JSON.parse(updated!.detail)).toMatchObject({ fields: expect.arrayContaining(["name", "scopes", "redirectUris", "audiences"]) });

    const bad = await send(dana, `/console/apps/${id}`, { name: "Edited", redirect_uris: "javascript:alert(1)", scope: ["repos:write"] }, { csrf });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("Redirect URI “javascript:alert(1)”");
    expect(bad.html).toContain(">javascript:alert(1)</textarea>");
    // No second update row: nothing changed.
    expect((await auditOf(t, "client.updated", id)).length).toBe(1);
  });

  it("resets the secret after a confirmation: the new one is shown once and works, the old one is refused", async () => {
    const { id, secret: old } = await register("Rotating");
    const confirm = await open(dana, `/console/apps/${id}/reset-secret`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain("The current secret stops working at once");
    expect(confirm.html).toContain(`action="/console/apps/${id}/reset-secret"`);
    expect(confirm.html).toContain('aria-label="Reset secret of app Rotating"');
    expect(confirm.html).toContain(`href="/console/apps/${id}"`); // the way back
    expect((await clientCredentials(id, old)).status).toBe(200); // the GET changed nothing

    const res = await send(dana, `/console/apps/${id}/reset-secret`, {}, { csrf });
    expect(res.status).toBe(200);
    expect(res.location).toBeNull();
    const fresh = secretIn(res.html, "client-secret");
    expect(fresh).not.toBe(old);
    expect((await clientCredentials(id, fresh)).status).toBe(200);
    const refused = await clientCredentials(id, old);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });
    expect((await open(dana, `/console/apps/${id}`)).html).not.toContain(fresh);
    expect((await auditOf(t, "client.secret_rotated", id))[0]?.actor).toBe(danaId);
  });

  it("disables after a confirmation (tokens refused), enables again, and deletes after a confirmation", async () => {
    const { id, secret } = await register("Lifecycle");
    const confirm = await open(dana, `/console/apps/${id}/disable`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain("the access tokens it has stop working at once");
    expect(confirm.html).toContain('aria-label="Disable app Lifecycle"');

    const off = await send(dana, `/console/apps/${id}/disable`, {}, { csrf });
    expect(off).toMatchObject({ status: 303, location: `/console/apps/${id}?done=disabled` });
    expect((await clientCredentials(id, secret)).status).toBe(401);
    const page = await open(dana, `/console/apps/${id}`);
    expect(page.html).toContain("This app is disabled");
    expect(page.html).toContain('aria-label="Enable app Lifecycle"');
    expect((await auditOf(t, "client.disabled", id))[0]?.actor).toBe(danaId);

    const on = await send(dana, `/console/apps/${id}/enable`, {}, { csrf });
    expect(on).toMatchObject({ status: 303, location: `/console/apps/${id}?done=enabled` });
    expect((await clientCredentials(id, secret)).status).toBe(200);
    expect((await auditOf(t, "client.enabled", id))[0]?.actor).toBe(danaId);

    const del = await open(dana, `/console/apps/${id}/delete`);
    expect(del.status).toBe(200);
    expect(del.html).toContain("This cannot be undone.");
    expect(del.html).toContain('aria-label="Delete app Lifecycle"');
    const gone = await send(dana, `/console/apps/${id}/delete`, {}, { csrf });
    expect(gone).toMatchObject({ status: 303, location: "/console/apps?done=deleted" });
    expect((await open(dana, "/console/apps?done=deleted")).html).toContain("The app was deleted.");
    expect((await open(dana, `/console/apps/${id}`)).status).toBe(404);
    expect((await clientCredentials(id, secret)).status).toBe(401);
    expect((await auditOf(t, "client.deleted", id))[0]?.actor).toBe(danaId);
  });

  it("cannot re-enable an app an operator disabled (403, with a way back)", async () => {
    const { id } = await register("Banned");
    await setClientDisabled(t.deps, { kind: "operator", actor: "acct_operator" }, id, true);
    const res = await send(dana, `/console/apps/${id}/enable`, {}, { csrf });
    expect(res.status).toBe(403);
    expect(res.html).toContain("An operator disabled this app");
    expect(res.html).toContain('href="/console/apps"');
    const [row] = await t.deps.db.select().from(clients).where(eq(clients.id, id));
    expect(row?.disabledAt).not.toBeNull();
  });

  it("does not reflect ?done= text: only fixed notices", async () => {
    const { html } = await open(dana, "/console/apps?done=%3Cscript%3Ealert(1)%3C/script%3E");
    expect(html).not.toContain("alert(1)");
    expect(html).not.toContain('role="status"');
  });
});

describe("a developer's personal API keys", () => {
  it("creates a key shown once, lists it by hint, exchanges it, revokes it after a confirmation", async () => {
    const empty = await open(dana, "/console/keys");
    expect(empty.status).toBe(200);
    expect(empty.html).toContain("You have no API keys.");
    expect(empty.html).toContain('value="repos:read"');

    const res = await send(dana, "/console/keys", { name: "ci-deploy", scope: "repos:read", expires: "30d" }, { csrf });
    expect(res.status).toBe(200);
    expect(res.location).toBeNull();
    const key = secretIn(res.html, "api-key");
    expect(key).toMatch(/^abk_/);
    const list = await open(dana, "/console/keys");
    expect(list.html).not.toContain(key);
    expect(list.html).toContain(`${key.slice(0, 8)}…${key.slice(-4)}`);
    expect(list.html).toContain('aria-label="Revoke API key ci-deploy"');
    const keyId = /data-key-id="(key_[^"]+)"/.exec(list.html)?.[1];
    expect(keyId).toBeDefined();
    const [created] = await auditOf(t, "api_key.created", danaId);
    expect(created?.actor).toBe(danaId);

    const exchanged = await postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, subject_token: key, subject_token_type: API_KEY_TYPE });
    expect(exchanged.status).toBe(200);
    expect(await exchanged.json()).toMatchObject({ scope: "repos:read" });

    const confirm = await open(dana, `/console/keys/${keyId}/revoke`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain("stops working at once");
    const revoked = await send(dana, `/console/keys/${keyId}/revoke`, {}, { csrf });
    expect(revoked).toMatchObject({ status: 303, location: "/console/keys?done=revoked" });
    expect((await open(dana, "/console/keys?done=revoked")).html).toContain("The API key was revoked.");
    const refused = await postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, subject_token: key, subject_token_type: API_KEY_TYPE });
    expect(refused.status).toBe(400);
    expect((await auditOf(t, "api_key.revoked")).some((r) => r.actor === danaId)).toBe(true);
    // Revoked keys leave the list; a second revoke finds nothing.
    expect((await send(dana, `/console/keys/${keyId}/revoke`, {}, { csrf })).status).toBe(404);
  });

  it("sends the key form back with its problems and creates nothing", async () => {
    for (const [fields, says] of [
      [{ name: "", expires: "never" }, "Give the key a name"],
      [{ name: "x", expires: "forever" }, "Pick when the key expires from the list."],
      [{ name: "x", expires: "never", scope: "repos:write" }, "Not among your scopes: repos:write"],
    ] as const) {
      const res = await send(dana, "/console/keys", fields, { csrf });
      expect(res.status, says).toBe(400);
      expect(res.html).toContain(says);
      expect(res.html).not.toContain('id="api-key"');
    }
  });
});

describe("another developer's apps and keys", () => {
  it("answer 404 on every GET and POST, and nothing changes", async () => {
    const { id, secret } = await register("Private");
    const key = await send(dana, "/console/keys", { name: "private-key", expires: "never" }, { csrf });
    const apiKey = secretIn(key.html, "api-key");
    const keyId = /data-key-id="(key_[^"]+)"/.exec((await open(dana, "/console/keys")).html)?.[1];
    const eve = await signedIn(t, "eve", "devs");
    const eveCsrf = await tokenOf(eve);
    const olga = await signedIn(t, "olga", "ops");
    expect((await open(eve, "/console/apps")).html).not.toContain(id);
    expect((await open(eve, "/console/keys")).html).not.toContain("private-key");
    const audits = await auditCount(t);

    for (const path of [`/console/apps/${id}`, `/console/apps/${id}/reset-secret`, `/console/apps/${id}/disable`, `/console/apps/${id}/delete`, `/console/keys/${keyId}/revoke`]) {
      const res = await open(eve, path);
      expect(res.status, path).toBe(404);
      expect(res.html).not.toContain("Private");
    }
    const posts: [string, Record<string, string>][] = [
      [`/console/apps/${id}`, { name: "Stolen", redirect_uris: "", audiences: API }],
      [`/console/apps/${id}/reset-secret`, {}],
      [`/console/apps/${id}/disable`, {}],
      [`/console/apps/${id}/enable`, {}],
      [`/console/apps/${id}/delete`, {}],
      [`/console/keys/${keyId}/revoke`, {}],
    ];
    for (const [path, fields] of posts) {
      const res = await send(eve, path, fields, { csrf: eveCsrf });
      expect(res.status, path).toBe(404);
      expect(res.html).not.toMatch(/client_secret|abk_/);
    }
    // An operator on the developer pages is a developer too: only their own apps (operators manage others' under /console/admin).
    expect((await open(olga, `/console/apps/${id}`)).status).toBe(404);

    expect(await auditCount(t)).toBe(audits);
    const [row] = await t.deps.db.select().from(clients).where(eq(clients.id, id));
    expect(row).toMatchObject({ name: "Private", disabledAt: null });
    expect((await clientCredentials(id, secret)).status).toBe(200);
    const exchanged = await postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, subject_token: apiKey, subject_token_type: API_KEY_TYPE });
    expect(exchanged.status).toBe(200);
  });
});

describe("every developer POST", () => {
  it("without the form token answers 403, from another origin answers 403, and changes nothing", async () => {
    const { id, secret } = await register("Guarded");
    const key = await send(dana, "/console/keys", { name: "guarded-key", expires: "never" }, { csrf });
    const apiKey = secretIn(key.html, "api-key");
    const keyId = /data-key-id="(key_[^"]+)"/.exec((await open(dana, "/console/keys")).html)?.[1];
    const audits = await auditCount(t);
    const posts: [string, Record<string, string>][] = [
      ["/console/apps", { name: "Forged", kind: "confidential", grant: "client_credentials", audiences: API }],
      [`/console/apps/${id}`, { name: "Forged", redirect_uris: "", audiences: API }],
      [`/console/apps/${id}/reset-secret`, {}],
      [`/console/apps/${id}/disable`, {}],
      [`/console/apps/${id}/enable`, {}],
      [`/console/apps/${id}/delete`, {}],
      ["/console/keys", { name: "forged", expires: "never" }],
      [`/console/keys/${keyId}/revoke`, {}],
    ];
    for (const [path, fields] of posts) {
      for (const [what, opts] of [
        ["no token", { csrf: null }],
        ["a wrong token", { csrf: "x".repeat(43) }],
        ["another origin", { csrf, origin: "https://evil.example" }],
      ] as const) {
        const res = await send(dana, path, fields, opts);
        expect(res.status, `${path} with ${what}`).toBe(403);
        expect(res.html).not.toMatch(/abk_|id="client-secret"/);
      }
    }
    expect(await auditCount(t)).toBe(audits);
    const [row] = await t.deps.db.select().from(clients).where(eq(clients.id, id));
    expect(row).toMatchObject({ name: "Guarded", disabledAt: null });
    expect((await clientCredentials(id, secret)).status).toBe(200);
    expect((await open(dana, "/console/apps")).html).not.toContain("Forged");
    const exchanged = await postForm(t.app, "/token", { grant_type: TOKEN_EXCHANGE, subject_token: apiKey, subject_token_type: API_KEY_TYPE });
    expect(exchanged.status).toBe(200);
  });
});
