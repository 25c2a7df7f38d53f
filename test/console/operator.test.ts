/**
 * The operator's side of the console, page by page, as a browser without JavaScript uses it: clients
 * (search, pages, owner, edit, disable/enable and delete through confirmation pages), accounts (search,
 * identities, the rule behind each scope, sessions and API keys revoked, block and unblock — the account's
 * tokens stop at /introspect), the audit log (filters, pages, actors by name, times in words, no secrets)
 * and signing keys (rotate through a confirmation page). Every change is audited with the operator's
 * account as actor. On both state stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagedApiKey } from "../../src/admin/api-keys";
import { listAuditEvents } from "../../src/admin/audit-log";
import { getManagedClient } from "../../src/admin/client-view";
import { createManagedClient } from "../../src/admin/clients-write";
import { listSigningKeys } from "../../src/admin/signing-keys";
import { createClient } from "../../src/clients/registry";
import type { TestApp } from "../support/app";
import type { FakeBrowser } from "../support/fakes";
import { authorizeUrl, pkce } from "../support/login";
import { postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { accountIdOf, open, post, targetOf, visibleText } from "./operator-support";
import { consoleApp, ISSUER, signedIn } from "./support";

const CB = "https://app.example.com/cb";
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "operator-console-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

describe.each(["embedded", "upstash"] as const)("the operator console (%s store)", (store) => {
  let t: TestApp;
  let ops: FakeBrowser;
  let opsId: string;
  let bob: FakeBrowser;
  let bobId: string;
  let web: string;
  let rs: { id: string; secret: string };

  beforeAll(async () => {
    t = await consoleApp({ store, bridge });
    ops = await signedIn(t, "olga", "ops");
    opsId = await accountIdOf(t, "olga");
    bob = await signedIn(t, "bob", "devs");
    bobId = await accountIdOf(t, "bob");
    web = (await createClient(t.deps.db, { name: "Web shop", isPublic: true, redirectUris: [CB] })).client.id;
    const created = await createClient(t.deps.db, { name: "Orders API", introspectAudiences: [t.deps.config.audience] });
    rs = { id: created.client.id, secret: created.secret! };
  });
  afterAll(() => t?.close());

  /** The audit rows of `type` about `subject`, newest first. */
  const audited = async (type: string, subject: string) => (await listAuditEvents(t.deps, { type, limit: 200 })).items.filter((e) => e.subject === subject);

  /** An access token for `b`'s account, through /authorize and the public client. */
  async function tokenFor(b: FakeBrowser): Promise<string> {
    const { verifier, challenge } = pkce();
    const res = await b.request(authorizeUrl(ISSUER, { response_type: "code", client_id: web, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s" }));
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const tok = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: web });
    expect(tok.status).toBe(200);
    return ((await tok.json()) as { access_token: string }).access_token;
  }
  const active = async (token: string) => ((await (await postForm(t.app, "/introspect", { token }, rs)).json()) as { active: boolean }).active;

  it("lists every client with its owner and status, searches by name or id, and pages with a Next page link", async () => {
    for (let i = 1; i <= 52; i++) await createClient(t.deps.db, { name: `bulk-${String(i).padStart(3, "0")}`, isPublic: true, redirectUris: [CB] });
    await signedIn(t, "dana", "devs");
    const danaId = await accountIdOf(t, "dana");
    await createManagedClient(t.deps, { kind: "developer", accountId: danaId }, { name: "Dana's app", isPublic: true, redirectUris: [CB] });

    const first = await open(ops, "/console/admin/clients");
    expect(first.status).toBe(200);
    expect((first.html.match(/<tr data-client-id=/g) ?? []).length).toBe(50);
    const row = /<tr data-client-id="[^"]+">(?:(?!<\/tr>)[\s\S])*Dana&#39;s app(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(first.html)?.[0] ?? "";
    expect(row).toContain(`href="/console/admin/accounts/${danaId}"`);
    expect(visibleText(row)).toContain("dana");
    expect(visibleText(row)).toContain("Enabled");
    const next = /<a class="button" href="([^"]+)" rel="next">Next page<\/a>/.exec(first.html)?.[1]?.replace(/&amp;/g, "&");
    expect(next).toMatch(/^\/console\/admin\/clients\?cursor=/);
    const second = await open(ops, next!);
    expect(second.status).toBe(200);
    const ids = (html: string) => [...html.matchAll(/<tr data-client-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(second.html).length).toBeGreaterThan(0);
    expect(ids(second.html).filter((id) => ids(first.html).includes(id))).toEqual([]);
    expect(second.html).toContain(">First page<");

    const search = await open(ops, "/console/admin/clients?q=BULK-05");
    expect(visibleText(search.html)).toContain("bulk-050");
    expect(ids(search.html)).toHaveLength(3); // bulk-050, -051, -052
    expect(search.html).toContain('value="BULK-05"');
    const byId = await open(ops, `/console/admin/clients?q=${web}`);
    expect(ids(byId.html)).toEqual([web]);
    expect(visibleText((await open(ops, "/console/admin/clients?q=nothing-like-this")).html)).toContain("No client matches this search.");
    // A cursor this server never gave out: the form again with the problem, not an error page.
    const bad = await open(ops, "/console/admin/clients?cursor=garbage");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('role="alert"');
    expect(bad.html).toContain('name="q"');
  });

  it("shows a client with its owner, edits its scopes and redirect URIs (refusals come back in the form), audited with the operator as actor", async () => {
    const page = await open(ops, `/console/admin/clients/${web}`);
    expect(page.status).toBe(200);
    expect(visibleText(page.html)).toContain("Operator (no developer owns it)");
    expect(page.html).toContain(`aria-label="Disable client Web shop"`);
    // Its OpenID Connect settings (the defaults here), as the developer's app page shows them.
    expect(visibleText(page.html)).toMatch(/ID token algorithm\s*RS256\s*Signed UserInfo\s*No \(JSON\)\s*Post-logout redirect URIs\s*none/);

    const bad = await post(ops, `/console/admin/clients/${web}`, { scopes: "profile", redirect_uris: `${CB}\nhttp://shop.example.com/cb` });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="form-problems"');
    expect(visibleText(bad.html)).toContain("Redirect URI “http://shop.example.com/cb”: must be https, http on loopback, or a private-use scheme");
    expect(bad.html).toContain('aria-invalid="true"');
    expect(bad.html).toContain("http://shop.example.com/cb</textarea>"); // what was sent stays in the form
    expect((await getManagedClient(t.deps, { kind: "operator", actor: opsId }, web)).redirectUris).toEqual([CB]);

    const ok = await post(ops, `/console/admin/clients/${web}`, { scopes: "profile  repos:read\nrepos:write", redirect_uris: `${CB}\r\n\r\nhttps://app.example.com/cb2\r\n` });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe(`/console/admin/clients/${web}?done=updated`);
    const saved = await getManagedClient(t.deps, { kind: "operator", actor: opsId }, web);
    expect(saved.scopes).toEqual(["profile", "repos:read", "repos:write"]);
    expect(saved.redirectUris).toEqual([CB, "https://app.example.com/cb2"]);
    const [row] = await audited("client.updated", web);
    expect(row).toMatchObject({ actor: opsId, detail: { fields: ["scopes", "redirectUris"] } });
    expect(visibleText((await open(ops, ok.location!)).html)).toContain("The client's scopes and redirect URIs were saved.");
  });

  it("disables a client through a confirmation page (its tokens stop at /introspect), enables it, and deletes another through one", async () => {
    const cc = await createClient(t.deps.db, { name: "Nightly job", scopes: ["profile"] });
    const token = async () => ((await (await postForm(t.app, "/token", { grant_type: "client_credentials" }, { id: cc.client.id, secret: cc.secret! })).json()) as { access_token: string }).access_token;
    const live = await token();
    expect(await active(live)).toBe(true);

    const detail = await open(ops, `/console/admin/clients/${cc.client.id}`);
    const confirmPath = targetOf(detail.html, "Disable client Nightly job");
    expect(confirmPath).toBe(`/console/admin/clients/${cc.client.id}/disable`);
    const confirm = await open(ops, confirmPath);
    expect(confirm.status).toBe(200);
    expect(visibleText(confirm.html)).toContain("Disable the client Nightly job?");
    expect(targetOf(confirm.html, "Disable client Nightly job")).toBe(confirmPath); // the POST button names it too
    expect((await getManagedClient(t.deps, { kind: "operator", actor: opsId }, cc.client.id)).disabledAt).toBeNull(); // the GET changed nothing

    const done = await post(ops, confirmPath);
    expect(done.status).toBe(303);
    expect(await active(live)).toBe(false);
    const after = await open(ops, done.location!);
    expect(visibleText(after.html)).toContain("The client was disabled");
    expect(after.html).toContain('aria-label="Enable client Nightly job"');
    expect((await audited("client.disabled", cc.client.id))[0]?.actor).toBe(opsId);

    expect((await post(ops, `/console/admin/clients/${cc.client.id}/enable`)).status).toBe(303);
    expect((await getManagedClient(t.deps, { kind: "operator", actor: opsId }, cc.client.id)).disabledAt).toBeNull();
    expect((await audited("client.enabled", cc.client.id))[0]?.actor).toBe(opsId);
    expect(await active(live)).toBe(false); // enabling revives nothing
    t.advance(1500); // marks compare with a token's issue time in seconds: a new token comes after the mark's second
    expect(await active(await token())).toBe(true);

    const del = await open(ops, `/console/admin/clients/${cc.client.id}/delete`);
    expect(visibleText(del.html)).toContain("Delete the client Nightly job?");
    const gone = await post(ops, targetOf(del.html, "Delete client Nightly job"));
    expect(gone).toMatchObject({ status: 303, location: "/console/admin/clients?done=deleted" });
    expect((await open(ops, `/console/admin/clients/${cc.client.id}`)).status).toBe(404);
    expect((await audited("client.deleted", cc.client.id))[0]?.actor).toBe(opsId);
    expect((await open(ops, `/console/admin/clients/client_nope`)).status).toBe(404);
    expect((await post(ops, `/console/admin/clients/client_nope/disable`)).status).toBe(404);
  });

  it("finds accounts by platform username or id, and shows identities by platform and the rule that granted each scope", async () => {
    const search = await open(ops, "/console/admin/accounts?q=BO");
    expect(search.status).toBe(200);
    expect(search.html).toContain(`data-account-id="${bobId}"`);
    expect(search.html).not.toContain(`data-account-id="${opsId}"`);
    expect((await open(ops, `/console/admin/accounts?q=${bobId}`)).html).toContain(`data-account-id="${bobId}"`);

    const page = await open(ops, `/console/admin/accounts/${bobId}`);
    expect(page.status).toBe(200);
    const text = visibleText(page.html);
    expect(text).toContain("GitHub (dev)");
    expect(page.html).toContain('data-platform="github"');
    // "Why does bob have authbridge:clients?" — the second rule, for members of the org devs, matched by his GitHub identity.
    const row = /<tr data-entitlement="authbridge:clients">[\s\S]*?<\/tr>/.exec(page.html)?.[0] ?? "";
    expect(visibleText(row)).toMatch(/Rule \$\.rules\[1\] \(when provider github, org devs\), matched by GitHub \(dev\) bob/);
    const profile = /<tr data-entitlement="profile">[\s\S]*?<\/tr>/.exec(page.html)?.[0] ?? "";
    expect(visibleText(profile)).toContain("Rule $.rules[2] (when every identity)");
    expect(text).not.toMatch(ISO);
    expect((await open(ops, "/console/admin/accounts/acct_nope")).status).toBe(404);
  });

  it("revokes a session and an API key of an account through confirmation pages, audited with the operator as actor", async () => {
    const carl = await signedIn(t, "carl", "devs");
    const carlId = await accountIdOf(t, "carl");
    const { apiKey } = await createManagedApiKey(t.deps, { kind: "developer", accountId: carlId }, { name: "laptop" });
    const page = await open(ops, `/console/admin/accounts/${carlId}`);
    const sid = /<tr data-session-id="([^"]+)"/.exec(page.html)?.[1];
    expect(sid).toBeDefined();
    const confirm = await open(ops, targetOf(page.html, `Revoke session ${sid} of carl`));
    expect(confirm.status).toBe(200);
    expect(visibleText(confirm.html)).toContain("Revoke this session of carl?");
    expect((await open(carl, "/account")).status).toBe(200);
    const done = await post(ops, targetOf(confirm.html, `Revoke session ${sid} of carl`));
    expect(done).toMatchObject({ status: 303, location: `/console/admin/accounts/${carlId}?done=session-revoked` });
    expect((await open(carl, "/account")).status).toBe(302); // signed out
    expect((await audited("session.revoked", carlId))[0]).toMatchObject({ actor: opsId, detail: { sid } });
    // A session named under another account's page is not there.
    expect((await open(ops, `/console/admin/accounts/${bobId}/sessions/${sid}/revoke`)).status).toBe(404);

    const keyConfirm = await open(ops, targetOf((await open(ops, `/console/admin/accounts/${carlId}`)).html, `Revoke API key laptop of carl`));
    expect(visibleText(keyConfirm.html)).toContain(apiKey.hint);
    expect((await open(ops, `/console/admin/accounts/${bobId}/api-keys/${apiKey.id}/revoke`)).status).toBe(404);
    const keyDone = await post(ops, targetOf(keyConfirm.html, "Revoke API key laptop of carl"));
    expect(keyDone.location).toBe(`/console/admin/accounts/${carlId}?done=key-revoked`);
    expect((await audited("api_key.revoked", carlId))[0]).toMatchObject({ actor: opsId, detail: { key_id: apiKey.id } });
    expect(visibleText((await open(ops, keyDone.location!)).html)).toContain("Revoked just now");
  });

  it("blocks an account through a confirmation page: its tokens stop at /introspect; unblocks it; both audited with the operator as actor", async () => {
    const token = await tokenFor(bob);
    expect(await active(token)).toBe(true);
    const page = await open(ops, `/console/admin/accounts/${bobId}`);
    const confirm = await open(ops, targetOf(page.html, "Block account bob"));
    expect(visibleText(confirm.html)).toContain("Block the account bob?");
    expect(await active(token)).toBe(true);
    const done = await post(ops, targetOf(confirm.html, "Block account bob"));
    expect(done).toMatchObject({ status: 303, location: `/console/admin/accounts/${bobId}?done=blocked` });
    expect(await active(token)).toBe(false);
    const blocked = await open(ops, done.location!);
    expect(visibleText(blocked.html)).toContain("The account was blocked");
    expect(blocked.html).toContain('aria-label="Unblock account bob"');
    expect((await audited("account.blocked", bobId))[0]?.actor).toBe(opsId);

    expect((await post(ops, targetOf(blocked.html, "Unblock account bob"))).location).toBe(`/console/admin/accounts/${bobId}?done=unblocked`);
    expect((await audited("account.unblocked", bobId))[0]?.actor).toBe(opsId);
    expect(await active(token)).toBe(false); // unblocking revives nothing
  });

  it("shows the audit log newest first with actors by name, filters by type, account, client and dates, pages, and refuses bad filters in the form", async () => {
    const all = await open(ops, "/console/admin/audit");
    expect(all.status).toBe(200);
    const eventIds = (html: string) => [...html.matchAll(/<tr data-event-id="(\d+)"/g)].map((m) => Number(m[1]));
    const firstIds = eventIds(all.html);
    expect(firstIds).toHaveLength(50);
    expect([...firstIds].sort((a, b) => b - a)).toEqual(firstIds);
    expect(visibleText(all.html)).not.toMatch(ISO);
    const next = /href="([^"]+)" rel="next"/.exec(all.html)?.[1]?.replace(/&amp;/g, "&");
    expect(Math.max(...eventIds((await open(ops, next!)).html))).toBeLessThan(Math.min(...firstIds));

    const blocks = await open(ops, `/console/admin/audit?type=account.blocked&account=${bobId}`);
    const rows = [...blocks.html.matchAll(/<tr data-event-id="\d+" data-type="([^"]+)">([\s\S]*?)<\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual(["account.blocked"]);
    const row = visibleText(rows[0]![2]!);
    expect(row).toMatch(/^just now Account blocked olga bob/);
    expect(rows[0]![2]).toContain(`href="/console/admin/accounts/${opsId}"`);
    expect(blocks.html).toContain('<option value="account.blocked" selected="">');

    const byClient = await open(ops, `/console/admin/audit?client=${web}`);
    expect([...byClient.html.matchAll(/data-type="([^"]+)"/g)].map((m) => m[1])).toEqual(["client.updated", "client.created"]);
    expect(visibleText(byClient.html)).toContain("fields: scopes, redirectUris");

    const today = new Date(t.deps.now()).toISOString().slice(0, 10);
    expect(eventIds((await open(ops, `/console/admin/audit?type=account.blocked&from=${today}&to=${today}`)).html).length).toBeGreaterThan(0);
    expect(visibleText((await open(ops, "/console/admin/audit?type=account.blocked&to=2000-01-01")).html)).toContain("No events match.");

    const bad = await open(ops, "/console/admin/audit?from=yesterday&type=no.such&to=2000-01-01");
    expect(bad.status).toBe(400);
    expect(visibleText(bad.html)).toContain("Give the from date as a day");
    expect(visibleText(bad.html)).toContain("Pick an event type from the list.");
    expect(visibleText(bad.html)).not.toContain("The to date must not be before"); // not about a from date that is not one
    expect(bad.html).toContain('value="yesterday"');
    expect(eventIds(bad.html)).toEqual([]);
    const reversed = await open(ops, "/console/admin/audit?from=2026-02-01&to=2026-01-01");
    expect(reversed.status).toBe(400);
    expect(visibleText(reversed.html)).toContain("The to date must not be before the from date.");
  });

  it("lists signing keys with times in words and rotates through a confirmation page, audited with the operator as actor", async () => {
    const before = await listSigningKeys(t.deps);
    const page = await open(ops, "/console/admin/signing-keys");
    expect(page.status).toBe(200);
    expect(page.html).toContain(`data-kid="${before[0]!.kid}" data-current="true"`);
    expect(visibleText(page.html)).toMatch(/Signs new tokens/);
    expect(visibleText(page.html)).not.toMatch(ISO);
    const confirm = await open(ops, "/console/admin/signing-keys/rotate");
    expect(visibleText(confirm.html)).toContain(`${before.find((k) => k.current)!.kid} retires`);
    expect((await listSigningKeys(t.deps)).length).toBe(before.length);
    const done = await post(ops, "/console/admin/signing-keys/rotate");
    expect(done).toMatchObject({ status: 303, location: "/console/admin/signing-keys?done=rotated" });
    const after = await listSigningKeys(t.deps);
    expect(after.length).toBe(before.length + 1);
    const rotated = (await listAuditEvents(t.deps, { type: "signing_key.rotated" })).items[0];
    expect(rotated).toMatchObject({ actor: opsId, subject: after.find((k) => k.current)!.kid });
    expect(visibleText((await open(ops, done.location!)).html)).toContain("A new signing key signs from now on.");
  });
});
