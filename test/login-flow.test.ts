/**
 * Logging in with GitHub, Discord and Slack end to end: /authorize → platform (msw fakes) → callback →
 * account → code → /token, with scopes from the CONTRACT's example rules; linking and the account rules.
 */
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/clients/registry";
import { identities } from "../src/db/schema";
import { createTestApp, type TestApp } from "./support/app";
import { createWorld, fakeProviderEnv, FakeBrowser, startFakes, type World } from "./support/fakes";
import { authorizeUrl, followUntil, pkce } from "./support/login";
import { postForm } from "./support/oauth";

const ISSUER = "http://localhost:8787";
const CB = "https://app.example.com/cb";
const GUILD = "81384788765712384";
const ROLE = "41771983423143937";
export const EXAMPLE_RULES = {
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
const ALL_SCOPES = "repos:read repos:write posts:moderate profile";

let world: World;
let fakes: ReturnType<typeof startFakes>;
let t: TestApp;
let client: { id: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  fakes = startFakes(world);
  t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_RULES: JSON.stringify(EXAMPLE_RULES), ...fakeProviderEnv() } });
  const created = await createClient(t.deps.db, { name: "Acme web", isPublic: true, redirectUris: [CB] });
  client = { id: created.client.id };
  world.github.users.set(4242, {
    id: 4242,
    login: "octocat",
    emails: [{ email: "shared@example.com", primary: true, verified: true }],
    orgs: ["acme"],
    teams: ["acme/platform"],
  });
  world.discord.users.set("80351110224678912", {
    id: "80351110224678912",
    username: "nelly",
    email: "shared@example.com",
    verified: true,
    guilds: [{ id: GUILD, name: "Acme", roles: [ROLE] }],
  });
});
afterAll(() => {
  fakes?.close();
  t?.close();
});

/** Log in through `provider` and redeem the code; returns the token response and the browser. */
async function login(provider: string, browser = new FakeBrowser(t.app, ISSUER), extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const state = `st-${Math.random()}`;
  const url = authorizeUrl(ISSUER, {
    response_type: "code",
    client_id: client.id,
    redirect_uri: CB,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    scope: ALL_SCOPES,
    provider,
    ...extra,
  });
  const { landed, visited } = await followUntil(browser, url, CB);
  if (!landed) throw new Error(`did not come back to the client: ${visited.join(" -> ")}`);
  expect(landed.searchParams.get("state")).toBe(state);
  expect(landed.searchParams.get("iss")).toBe(ISSUER);
  const code = landed.searchParams.get("code")!;
  const res = await postForm(t.app, "/token", { grant_type: "authorization_code", code, redirect_uri: CB, code_verifier: verifier, client_id: client.id });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; refresh_token: string; scope: string };
  return { body, browser, code, verifier };
}

async function verify(token: string) {
  const jwks = createLocalJWKSet((await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: [] });
  return (await jwtVerify(token, jwks, { issuer: ISSUER, typ: "at+jwt" })).payload;
}

describe("login through the platforms", () => {
  it("a GitHub member of acme and acme/platform gets maintainer; linking Discord adds posts:moderate", async () => {
    world.github.browser.userId = 4242;
    const { body, browser } = await login("github");
    const claims = await verify(body.access_token);
    expect(claims.roles).toEqual(["maintainer", "member"]);
    expect(String(claims.scope).split(" ").sort()).toEqual(["profile", "repos:read", "repos:write"]);
    expect(claims.sub).toMatch(/^acct_/);
    expect(claims.sid).toMatch(/^ses_/);
    expect(body.refresh_token).toMatch(/^rt_/);

    // Link Discord from the account page's link: a fresh provider login with the session.
    world.discord.browser.userId = "80351110224678912";
    const link = await browser.follow(`${ISSUER}/auth/discord/start?intent=link&return_to=%2Faccount`);
    expect(link.res.status).toBe(200);
    expect(await link.res.text()).toContain("nelly");

    // The next token — from a refresh of the family started before the link — carries the new scope.
    const refreshed = await postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: body.refresh_token, client_id: client.id });
    expect(refreshed.status).toBe(200);
    const nextClaims = await verify(((await refreshed.json()) as { access_token: string }).access_token);
    expect(String(nextClaims.scope).split(" ").sort()).toEqual(["posts:moderate", "profile", "repos:read", "repos:write"]);
    expect(nextClaims.sub).toBe(claims.sub);
    expect(nextClaims.sid).toBe(claims.sid);
  });

  it("the same GitHub id with a changed username lands on the same account; an email match never merges", async () => {
    world.github.browser.userId = 4242;
    const first = await verify((await login("github")).body.access_token);
    world.github.users.get(4242)!.login = "octocat-renamed";
    const second = await verify((await login("github")).body.access_token);
    expect(second.sub).toBe(first.sub);
    const rows = await t.deps.db.select().from(identities);
    expect(rows.filter((r) => r.provider === "github")).toHaveLength(1);
    expect(rows.find((r) => r.provider === "github")?.username).toBe("octocat-renamed");

    // Another Discord user with the same verified email signs in: a separate account.
    world.discord.users.set("99", { id: "99", username: "twin", email: "shared@example.com", verified: true, guilds: [] });
    world.discord.browser.userId = "99";
    const twin = await verify((await login("discord")).body.access_token);
    expect(twin.sub).not.toBe(first.sub);
  });

  it("an identity linked elsewhere is refused with a clear page and nothing moves", async () => {
    world.discord.users.set("555", { id: "555", username: "solo", verified: false, guilds: [] });
    world.discord.browser.userId = "555";
    const solo = await verify((await login("discord")).body.access_token);
    // The GitHub person tries to link Discord user 555, which belongs to `solo`.
    world.github.browser.userId = 4242;
    const { browser } = await login("github");
    const res = await browser.follow(`${ISSUER}/auth/discord/start?intent=link&return_to=%2Faccount`);
    expect(res.res.status).toBe(409);
    expect(await res.res.text()).toMatch(/already linked to another account/i);
    const row = (await t.deps.db.select().from(identities)).find((r) => r.provider === "discord" && r.subject === "555");
    expect(row?.accountId).toBe(solo.sub);
  });

  it("Slack sign-in through OpenID Connect yields the workspace's member role", async () => {
    world.slack.users.set("U0001", { userId: "U0001", teamId: "T0001", teamName: "Acme", name: "sam", email: "sam@example.com", emailVerified: true });
    world.slack.browser.userId = "U0001";
    const claims = await verify((await login("slack")).body.access_token);
    expect(claims.roles).toEqual(["member"]);
  });
});
