/**
 * An app's OpenID Connect settings in the developer console, through a FakeBrowser against the real app:
 * the register and edit forms have an "OpenID Connect" fieldset (ID-token algorithm, signed UserInfo,
 * post-logout redirect URIs, one per line) starting from the defaults or the app's own settings; the app's
 * page shows them; what is saved is what the protocol reads (client_oidc), audited by field with the
 * developer as the actor; problems come back next to their control with a 400 and change nothing; another
 * developer's app answers 404 and a POST without the form token 403, changing nothing.
 */
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, clientOidc } from "../../src/db/schema";
import { oidcSettings } from "../../src/oidc/client-settings";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";
import { auditCount, auditOf, clientIdIn, developerWorld, open, send, tokenOf } from "./developer-support";
import { signedIn } from "./support";

const CB = "https://dash.example.com/cb";
const BYE = ["https://dash.example.com/bye", "com.example.dash:/signed-out"];

let t: TestApp;
let dana: FakeBrowser;
let danaId: string;
let csrf: string;
beforeAll(async () => {
  ({ t, dana, danaId, csrf } = await developerWorld());
});
afterAll(() => t?.close());

/** A web app's register form, with OpenID Connect fields when given. */
const webApp = (name: string, oidc: Record<string, string> = {}) => ({ name, kind: "public", grant: "web", redirect_uris: CB, ...oidc });

/** Register as dana; the new app's id. */
async function register(name: string, oidc: Record<string, string> = {}): Promise<string> {
  const res = await send(dana, "/console/apps", webApp(name, oidc), { csrf });
  expect(res.status, res.html).toBe(200);
  return clientIdIn(res.html);
}

/** The edit form as the app's page sends it, with `over` changed. */
const editForm = (name: string, over: Record<string, string>) => ({ name, redirect_uris: CB, audiences: "", id_token_alg: "RS256", userinfo_alg: "", post_logout_redirect_uris: "", ...over });

/** The text of the option a select shows as chosen. */
function chosen(html: string, select: string): string | undefined {
  const body = new RegExp(`<select id="${select}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? "";
  return /<option value="[^"]*" selected="">([^<]*)<\/option>/.exec(body)?.[1];
}

/** The app's settings row, if it has one. */
const settingsRow = async (id: string) => t.deps.db.select().from(clientOidc).where(eq(clientOidc.clientId, id));

describe("the OpenID Connect fieldset of a developer's app", () => {
  it("the register form offers it with the defaults: RS256, UserInfo as JSON, no post-logout URIs", async () => {
    const { status, html } = await open(dana, "/console/apps/new");
    expect(status).toBe(200);
    expect(html).toMatch(/<fieldset id="oidc"><legend>OpenID Connect<\/legend>/);
    expect(html).toContain('<label for="id_token_alg">ID token algorithm');
    expect(html).toContain('<label for="userinfo_alg">Signed UserInfo');
    expect(html).toContain('<label for="post_logout_redirect_uris">Post-logout redirect URIs');
    expect(chosen(html, "id_token_alg")).toBe("RS256 (default)");
    expect(chosen(html, "userinfo_alg")).toBe("No (JSON)");
    for (const option of ['value="EdDSA"', 'value="ES256"', ">Yes, signed with ES256<"]) expect(html).toContain(option);
    expect(html).toMatch(/<textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris"[^>]*><\/textarea>/);
  });

  it("registers an app with settings: its page shows them and the protocol reads them", async () => {
    const id = await register("Dashboards", { id_token_alg: "ES256", userinfo_alg: "EdDSA", post_logout_redirect_uris: `${BYE[0]}\r\n\r\n ${BYE[1]} \r\n` });
    expect(await oidcSettings(t.deps.db, id)).toEqual({ idTokenAlg: "ES256", userinfoAlg: "EdDSA", postLogoutRedirectUris: BYE });
    const page = await open(dana, `/console/apps/${id}`);
    expect(page.html).toContain('<dd id="app-id-token-alg"><code>ES256</code></dd>');
    expect(page.html).toContain('<dd id="app-userinfo-alg">Yes, signed with <code>EdDSA</code></dd>');
    expect(page.html).toContain(`<dd id="app-post-logout-uris"><code class="id">${BYE[0]}</code><br/><code class="id">${BYE[1]}</code></dd>`);
    // The edit form starts from the app's settings.
    expect(chosen(page.html, "id_token_alg")).toBe("ES256");
    expect(chosen(page.html, "userinfo_alg")).toBe("Yes, signed with EdDSA");
    expect(page.html).toContain(`>${BYE.join("\n")}</textarea>`);
  });

  it("an app registered with the defaults has no settings row, and its page says so in words", async () => {
    const id = await register("Plain", { id_token_alg: "RS256", userinfo_alg: "", post_logout_redirect_uris: "" });
    expect(await settingsRow(id)).toEqual([]);
    const page = await open(dana, `/console/apps/${id}`);
    expect(page.html).toContain('<dd id="app-id-token-alg"><code>RS256</code></dd>');
    expect(page.html).toContain('<dd id="app-userinfo-alg"><span class="muted">No (JSON)</span></dd>');
    expect(page.html).toContain('<dd id="app-post-logout-uris"><span class="muted">none</span></dd>');
  });

  it("edits them (audited by field, the developer as actor) and goes back to the defaults", async () => {
    const id = await register("Editable");
    const res = await send(dana, `/console/apps/${id}`, editForm("Editable", { id_token_alg: "EdDSA", post_logout_redirect_uris: BYE[0]! }), { csrf });
    expect(res.status, res.html).toBe(303);
    expect(res.location).toBe(`/console/apps/${id}?done=updated`);
    expect(await oidcSettings(t.deps.db, id)).toEqual({ idTokenAlg: "EdDSA", userinfoAlg: null, postLogoutRedirectUris: [BYE[0]] });
    const page = await open(dana, res.location!);
    expect(page.html).toContain("Your changes were saved.");
    expect(page.html).toContain('<dd id="app-id-token-alg"><code>EdDSA</code></dd>');

    const signed = await send(dana, `/console/apps/${id}`, editForm("Editable", { id_token_alg: "EdDSA", userinfo_alg: "RS256", post_logout_redirect_uris: BYE[0]! }), { csrf });
    expect(signed.status).toBe(303);
    expect(await oidcSettings(t.deps.db, id)).toEqual({ idTokenAlg: "EdDSA", userinfoAlg: "RS256", postLogoutRedirectUris: [BYE[0]] });

    const back = await send(dana, `/console/apps/${id}`, editForm("Editable", {}), { csrf });
    expect(back.status).toBe(303);
    expect(await oidcSettings(t.deps.db, id)).toEqual({ idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] });

    const rows = (await auditOf(t, "client.updated", id)).reverse();
    expect(rows.map((r) => r.actor)).toEqual([danaId, danaId, danaId]);
    expect(rows.map((r) => JSON.parse(r.detail) as unknown)).toEqual([
      { fields: ["idTokenAlg", "postLogoutRedirectUris"] },
      { fields: ["userinfoAlg"] },
      { fields: ["idTokenAlg", "userinfoAlg", "postLogoutRedirectUris"] },
    ]);
  });

  it("sends the form back with its problems next to their controls (400), as typed, and changes nothing", async () => {
    const id = await register("Strict", { id_token_alg: "ES256", post_logout_redirect_uris: BYE[0]! });
    const audits = await auditCount(t);
    const row = await settingsRow(id);
    // A forged form: algorithms the selects do not offer.
    const forged = await send(dana, `/console/apps/${id}`, editForm("Strict", { id_token_alg: "HS256", userinfo_alg: "none" }), { csrf });
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('role="alert"');
    expect(forged.html).toContain('<a href="#id_token_alg">Must be one of RS256, EdDSA, ES256.</a>');
    expect(forged.html).toContain('<a href="#userinfo_alg">Must be one of RS256, EdDSA, ES256.</a>');
    for (const control of ["id_token_alg", "userinfo_alg"]) {
      expect(forged.html).toContain(`aria-describedby="${control}-problem"`);
      expect(forged.html).toContain(`id="${control}-problem"`);
    }
    // A URI that may not be one and one that is no URI at all, each named by its line; what was typed comes back.
    const bad = await send(dana, `/console/apps/${id}`, editForm("Strict", { id_token_alg: "EdDSA", post_logout_redirect_uris: `${BYE[0]}\njavascript:alert(1)\nnot a uri` }), { csrf });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('<a href="#post_logout_redirect_uris">Post-logout redirect URI “javascript:alert(1)”: must be https, http on loopback, or a private-use scheme.</a>');
    expect(bad.html).toContain('<a href="#post_logout_redirect_uris">Post-logout redirect URI “not a uri”: must be an absolute URI without a fragment.</a>');
    expect(bad.html).toContain('aria-describedby="post_logout_redirect_uris-problem"');
    expect(bad.html).toContain(`>${BYE[0]}\njavascript:alert(1)\nnot a uri</textarea>`);
    expect(chosen(bad.html, "id_token_alg")).toBe("EdDSA");

    const many = Array.from({ length: 21 }, (_, i) => `https://dash.example.com/bye/${i}`).join("\n");
    const tooMany = await send(dana, `/console/apps/${id}`, editForm("Strict", { post_logout_redirect_uris: many }), { csrf });
    expect(tooMany.status).toBe(400);
    expect(tooMany.html).toContain('<a href="#post_logout_redirect_uris">At most 20 URIs.</a>');

    // On the register form too, with the chosen values kept.
    const reg = await send(dana, "/console/apps", webApp("Nope", { id_token_alg: "ES256", userinfo_alg: "ES256", post_logout_redirect_uris: "http://evil.example.com/bye" }), { csrf });
    expect(reg.status).toBe(400);
    expect(reg.html).toContain("Post-logout redirect URI “http://evil.example.com/bye”: must be https, http on loopback, or a private-use scheme.");
    expect(chosen(reg.html, "id_token_alg")).toBe("ES256");
    expect(chosen(reg.html, "userinfo_alg")).toBe("Yes, signed with ES256");

    expect(await auditCount(t)).toBe(audits);
    expect(await settingsRow(id)).toEqual(row);
    expect((await open(dana, "/console/apps")).html).not.toContain("Nope");
  });
});

describe("the OpenID Connect settings of someone else's app", () => {
  it("another developer gets 404 and changes nothing; a POST without the form token or from another origin is 403", async () => {
    const id = await register("Guarded", { userinfo_alg: "ES256", post_logout_redirect_uris: BYE[0]! });
    const eve = await signedIn(t, "eve", "devs");
    const eveCsrf = await tokenOf(eve);
    const audits = await auditCount(t);
    const before = await t.deps.db.select().from(clientOidc).orderBy(asc(clientOidc.clientId));
    const hijack = editForm("Guarded", { userinfo_alg: "", post_logout_redirect_uris: "https://evil.example.com/bye" });

    expect((await open(eve, `/console/apps/${id}`)).status).toBe(404);
    const theirs = await send(eve, `/console/apps/${id}`, hijack, { csrf: eveCsrf });
    expect(theirs.status).toBe(404);
    expect(theirs.html).not.toContain(BYE[0]);
    for (const opts of [{ csrf: null }, { csrf: "x".repeat(43) }, { csrf, origin: "https://evil.example" }]) {
      expect((await send(dana, `/console/apps/${id}`, hijack, opts)).status).toBe(403);
    }

    expect(await auditCount(t)).toBe(audits);
    expect(await t.deps.db.select().from(clientOidc).orderBy(asc(clientOidc.clientId))).toEqual(before);
    expect(await oidcSettings(t.deps.db, id)).toEqual({ idTokenAlg: "RS256", userinfoAlg: "ES256", postLogoutRedirectUris: [BYE[0]] });
    expect((await t.deps.db.select().from(auditEvents).where(eq(auditEvents.subject, id))).map((r) => r.type)).toEqual(["client.created"]);
  });
});
