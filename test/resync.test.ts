/**
 * Entitlement re-sync on refresh: real logins through /authorize against the msw platform fakes, then
 * refreshes driven by the test app's clock. Upstream changes reach tokens after ENTITLEMENTS_MAX_AGE
 * (900 s) without admin action; a silent platform is tolerated for ENTITLEMENTS_GRACE (3600 s) more.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { identityTokens } from "../src/accounts/facts";
import { createClient } from "../src/clients/registry";
import { auditEvents, identities } from "../src/db/schema";
import { deriveKey } from "../src/lib/secret";
import { createTestApp, type TestApp } from "./support/app";
import { createWorld, fakeProviderEnv, FakeBrowser, startFakes, type World } from "./support/fakes";
import { authorizeUrl, followUntil, pkce } from "./support/login";
import { claimsOf, postForm } from "./support/oauth";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";
const GUILD = "81384788765712384";
const ROLE = "41771983423143937";
const RULES = {
  roles: { maintainer: ["repos:read", "repos:write"], member: ["repos:read"] },
  rules: [
    { when: { provider: "github", org: "acme" }, grant: ["role:member"] },
    { when: { provider: "github", team: "acme/platform" }, grant: ["role:maintainer"] },
    { when: { provider: "discord", guild: GUILD, role: ROLE }, grant: ["posts:moderate"] },
    { when: { provider: "discord", guild: GUILD }, grant: ["role:member"] },
    { when: { provider: "slack", team: "T0001" }, grant: ["role:member"] },
    { when: {}, grant: ["profile"] },
  ],
};
const MAX_AGE_MS = 900_000;
const GRACE_MS = 3_600_000;

let world: World;
let fakes: ReturnType<typeof startFakes>;
const calls: string[] = []; // every platform request, as "METHOD host/path"
const apps: TestApp[] = [];

beforeAll(async () => {
  world = await createWorld(ISSUER);
  fakes = startFakes(world);
  fakes.events.on("request:start", ({ request }) => {
    const u = new URL(request.url);
    calls.push(`${request.method} ${u.host}${u.pathname}`);
  });
});
afterEach(() => {
  for (const p of [world.github, world.discord, world.slack]) p.outage = "none";
  world.discord.accessTokenTtl = 604800;
});
afterAll(() => {
  fakes?.close();
  for (const t of apps) t.close();
});

type Tokens = { access_token: string; refresh_token: string; scope: string };

/** A fresh app (its own clock and database) with the example rules and a public client. */
async function setup() {
  const t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_RULES: JSON.stringify(RULES), ...fakeProviderEnv() } });
  apps.push(t);
  const { client } = await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] });
  const login = async (provider: string): Promise<Tokens> => {
    const { verifier, challenge } = pkce();
    const q = { response_type: "code", client_id: client.id, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", provider };
    const { landed, visited } = await followUntil(new FakeBrowser(t.app, ISSUER), authorizeUrl(ISSUER, { ...q, scope: "repos:read repos:write posts:moderate profile" }), CB);
    if (!landed) throw new Error(`login did not finish: ${visited.join(" -> ")}`);
    const form = { grant_type: "authorization_code", code: landed.searchParams.get("code")!, redirect_uri: CB, code_verifier: verifier, client_id: client.id };
    const res = await postForm(t.app, "/token", form);
    expect(res.status).toBe(200);
    return (await res.json()) as Tokens;
  };
  const refresh = (token: string) => postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: token, client_id: client.id });
  /** Refresh, expect 200, and return the new tokens with the access token's roles and scopes. */
  const refreshOk = async (token: string) => {
    const res = await refresh(token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Tokens;
    const c = claimsOf(body.access_token);
    return { ...body, roles: c.roles as string[], scopes: String(c.scope).split(" ").filter(Boolean).sort(), sub: String(c.sub) };
  };
  return { t, login, refresh, refreshOk };
}

const platformCalls = (host: string) => calls.filter((c) => c.includes(host)).length;
const addGitHubUser = (id: number, teams = ["acme/platform"]) => {
  world.github.users.set(id, { id, login: `user${id}`, emails: [{ email: `u${id}@example.com`, primary: true, verified: true }], orgs: ["acme"], teams });
  world.github.browser.userId = id;
};
const tokenOf = (m: Map<string, { userId: number | string }>, userId: number | string) => [...m].filter(([, v]) => v.userId === userId).map(([k]) => k);

describe("entitlement re-sync on refresh", () => {
  it("a member removed from acme/platform upstream loses role:maintainer's scopes at the first refresh after ENTITLEMENTS_MAX_AGE", async () => {
    const { t, login, refreshOk } = await setup();
    addGitHubUser(5001);
    let rt = (await login("github")).refresh_token;
    let r = await refreshOk(rt);
    expect(r.roles).toEqual(["maintainer", "member"]);
    expect(r.scopes).toEqual(["profile", "repos:read", "repos:write"]);

    world.github.users.get(5001)!.teams = [];
    const before = platformCalls("api.github.com");
    t.advance(600_000);
    r = await refreshOk(r.refresh_token); // still younger than the max age: stored entitlements, no platform call
    expect(r.roles).toEqual(["maintainer", "member"]);
    expect(platformCalls("api.github.com")).toBe(before);

    t.advance(301_000);
    r = await refreshOk(r.refresh_token);
    expect(r.roles).toEqual(["member"]);
    expect(r.scopes).toEqual(["profile", "repos:read"]);
    expect(platformCalls("api.github.com")).toBeGreaterThan(before);

    const audit = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.type, "entitlements.changed"), eq(auditEvents.subject, r.sub)));
    expect(JSON.parse(audit.at(-1)!.detail)).toEqual({
      before: { scopes: ["profile", "repos:read", "repos:write"], roles: ["maintainer", "member"] },
      after: { scopes: ["profile", "repos:read"], roles: ["member"] },
    });
    const settled = platformCalls("api.github.com");
    rt = (await refreshOk(r.refresh_token)).refresh_token; // freshly re-synced: no call again
    expect(platformCalls("api.github.com")).toBe(settled);
    expect(rt).toMatch(/^rt_/);
  });

  it("concurrent refreshes of one account share one re-sync", async () => {
    const { t, login, refreshOk } = await setup();
    addGitHubUser(5002);
    const [a, b] = [await login("github"), await login("github")]; // two families, one account
    t.advance(MAX_AGE_MS + 1000);
    const before = platformCalls("api.github.com");
    const [ra, rb] = await Promise.all([refreshOk(a.refresh_token), refreshOk(b.refresh_token)]);
    expect(ra.sub).toBe(rb.sub);
    expect(ra.roles).toEqual(rb.roles);
    expect(platformCalls("api.github.com") - before).toBe(2); // /user/orgs + /user/teams, once
  });

  it("a token revoked at GitHub marks the identity stale and its grants drop at the next re-sync", async () => {
    const { t, login, refreshOk } = await setup();
    addGitHubUser(5003);
    const { refresh_token } = await login("github");
    for (const tok of tokenOf(world.github.tokens, 5003)) world.github.revoked.add(tok);
    t.advance(MAX_AGE_MS + 1000);
    const r = await refreshOk(refresh_token);
    expect(r.roles).toEqual([]);
    expect(r.scopes).toEqual([]);
    const [row] = await t.deps.db.select().from(identities).where(eq(identities.subject, "5003"));
    expect(row?.staleAt).not.toBeNull();
  });

  it("an identity without a stored provider token (a bot's) is not re-synced: no platform call", async () => {
    const { t, login, refreshOk } = await setup();
    addGitHubUser(5004);
    const { refresh_token } = await login("github");
    await t.deps.db.update(identities).set({ tokensEnc: null }).where(eq(identities.subject, "5004"));
    world.github.users.get(5004)!.teams = [];
    t.advance(MAX_AGE_MS + 1000);
    const before = platformCalls("api.github.com");
    expect((await refreshOk(refresh_token)).roles).toEqual(["maintainer", "member"]);
    expect(platformCalls("api.github.com")).toBe(before);
  });

  it("a platform that does not answer: old entitlements within the grace, then a clear refusal that issues nothing", async () => {
    const { t, login, refresh, refreshOk } = await setup();
    addGitHubUser(5005);
    let rt = (await login("github")).refresh_token;
    world.github.users.get(5005)!.teams = []; // upstream change we cannot see during the outage
    world.github.outage = "down";

    t.advance(MAX_AGE_MS + 1000);
    let r = await refreshOk(rt);
    expect(r.roles).toEqual(["maintainer", "member"]);
    const before = platformCalls("api.github.com");
    t.advance(GRACE_MS - 60_000); // the silent platform is asked again at each refresh, not only after another max age
    r = await refreshOk(r.refresh_token);
    expect(r.roles).toEqual(["maintainer", "member"]);
    expect(platformCalls("api.github.com")).toBeGreaterThan(before);
    rt = r.refresh_token;

    t.advance(120_000); // now older than max age + grace
    const refused = await refresh(rt);
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as Record<string, string>;
    expect(body.error).toBe("temporarily_unavailable");
    expect(body.error_description).toMatch(/entitlements could not be refreshed: github did not answer/);
    expect(body).not.toHaveProperty("access_token");
    expect(body).not.toHaveProperty("refresh_token");

    // Refused again much later (past REFRESH_REUSE_GRACE): the refused refresh did not spend the token, so
    // this is no replay and the family lives on.
    t.advance(60_000);
    expect((await refresh(rt)).status).toBe(503);
    // GitHub is back: the same token gets fresh entitlements, and no reuse was ever detected.
    world.github.outage = "none";
    t.advance(60_000);
    r = await refreshOk(rt);
    expect(r.roles).toEqual(["member"]);
    expect(r.scopes).toEqual(["profile", "repos:read"]);
    const events = await t.deps.db.select().from(auditEvents);
    expect(events.map((e) => e.type)).not.toContain("refresh.reuse_detected");
    t.advance(11_000); // past REFRESH_REUSE_GRACE: this time it was delivered, so a replay is refused
    expect((await refresh(rt)).status).toBe(400);
  });

  it("a code redeemed while the platform is silent past the grace is refused and stays usable", async () => {
    const { t } = await setup();
    addGitHubUser(5006);
    const { client } = await createClient(t.deps.db, { name: "second", isPublic: true, redirectUris: [CB] });
    const browser = new FakeBrowser(t.app, ISSUER);
    const codeFor = async () => {
      const { verifier, challenge } = pkce();
      const q = { response_type: "code", client_id: client.id, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", provider: "github" };
      const { landed } = await followUntil(browser, authorizeUrl(ISSUER, q), CB);
      return { code: landed!.searchParams.get("code")!, verifier };
    };
    const redeem = ({ code, verifier }: { code: string; verifier: string }) =>
      postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: client.id });
    expect((await redeem(await codeFor())).status).toBe(200);
    world.github.outage = "down";
    t.advance(MAX_AGE_MS + GRACE_MS + 1000);
    const pending = await codeFor(); // the bridge session is still valid: no new platform login
    expect((await redeem(pending)).status).toBe(503);
    world.github.outage = "none";
    expect((await redeem(pending)).status).toBe(200);
  });

  it("a hanging platform counts as not answering within the time bound", async () => {
    const { t, login, refreshOk } = await setup();
    addGitHubUser(5006);
    const { refresh_token } = await login("github");
    world.github.outage = "hang";
    t.advance(MAX_AGE_MS + 1000);
    const started = Date.now();
    expect((await refreshOk(refresh_token)).roles).toEqual(["maintainer", "member"]);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe("Discord and Slack", () => {
  const discordUser = (id: string) => {
    world.discord.users.set(id, { id, username: `d${id}`, verified: true, email: `${id}@example.com`, guilds: [{ id: GUILD, name: "Acme", roles: [ROLE] }] });
    world.discord.browser.userId = id;
  };

  it("a Discord role removed upstream takes posts:moderate away after the max age", async () => {
    const { t, login, refreshOk } = await setup();
    discordUser("700000000000000001");
    let r = await refreshOk((await login("discord")).refresh_token);
    expect(r.scopes).toEqual(["posts:moderate", "profile", "repos:read"]);
    world.discord.users.get("700000000000000001")!.guilds[0]!.roles = [];
    t.advance(MAX_AGE_MS + 1000);
    r = await refreshOk(r.refresh_token);
    expect(r.scopes).toEqual(["profile", "repos:read"]);
    expect(r.roles).toEqual(["member"]);
  });

  it("an expired Discord token is refreshed with its refresh token; a refresh token Discord refuses makes the identity stale", async () => {
    const { t, login, refreshOk } = await setup();
    const id = "700000000000000002";
    discordUser(id);
    world.discord.accessTokenTtl = 1200;
    let r = await refreshOk((await login("discord")).refresh_token);
    const sealKey = await deriveKey(t.deps.config.secret, "provider-token-encryption");
    const [row] = await t.deps.db.select().from(identities).where(eq(identities.subject, id));
    const first = (await identityTokens(t.deps.db, sealKey, row!.id))!;

    t.advance(1_200_000);
    world.discord.revoked.add(first.accessToken); // expired at Discord too: only a refreshed token works
    const mark = calls.length;
    r = await refreshOk(r.refresh_token);
    expect(r.scopes).toEqual(["posts:moderate", "profile", "repos:read"]);
    // Refreshed before use (its expiry is known), not after a refusal; and only once.
    expect(calls[mark]).toBe("POST discord.com/api/v10/oauth2/token");
    expect(calls.slice(mark).filter((c) => c.endsWith("/oauth2/token"))).toHaveLength(1);
    const second = (await identityTokens(t.deps.db, sealKey, row!.id))!;
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(world.discord.refreshTokens.has(first.refreshToken!)).toBe(false); // rotated at Discord

    t.advance(1_200_000);
    world.discord.revoked.add(second.accessToken);
    world.discord.revoked.add(second.refreshToken!); // the person de-authorized the app
    r = await refreshOk(r.refresh_token);
    expect(r.scopes).toEqual([]);
    const [after] = await t.deps.db.select().from(identities).where(eq(identities.id, row!.id));
    expect(after?.staleAt).not.toBeNull();
  });

  it("Slack facts are re-fetched with userInfo: a person moved out of the workspace loses its grants", async () => {
    const { t, login, refreshOk } = await setup();
    world.slack.users.set("U0RESYNC", { userId: "U0RESYNC", teamId: "T0001", teamName: "Acme", name: "sam", email: "sam@acme.com", emailVerified: true });
    world.slack.browser.userId = "U0RESYNC";
    let r = await refreshOk((await login("slack")).refresh_token);
    expect(r.roles).toEqual(["member"]);
    world.slack.users.get("U0RESYNC")!.teamId = "T0002";
    t.advance(MAX_AGE_MS + 1000);
    r = await refreshOk(r.refresh_token);
    expect(r.roles).toEqual([]);
    expect(calls.some((c) => c.endsWith("/api/openid.connect.userInfo"))).toBe(true);
  });
});
