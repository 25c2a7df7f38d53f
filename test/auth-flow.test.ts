/**
 * The upstream login flow end to end: our routes and providers against msw fakes of GitHub, Discord and
 * Slack, driven by a cookie-keeping browser that follows redirects by hand.
 */
import { Hono } from "hono";
import { generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildProviders } from "../src/platforms";
import { loginRoutes } from "../src/login/routes";
import { parseConfig, type Config } from "../src/config";
import type { Logger } from "../src/lib/log";
import { generateSecret } from "../src/lib/secret";
import { createWorld, fakeProviderEnv, FakeBrowser, startFakes, type World } from "./support/fakes";

const ISSUER = "http://localhost:8787";
const GUILD = "81384788765712384";
const ROLE = "41771983423143937";
const baseEnv = { AUTHBRIDGE_SECRET: generateSecret(), AUTHBRIDGE_ISSUER: ISSUER, ...fakeProviderEnv() };

let world: World;
let server: ReturnType<typeof startFakes>;
let clock = 0; // added to real time
const logs: string[] = []; // why things were refused, to check the reason and not only the status
const logger: Logger = { info() {}, warn: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`), error: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) };

function makeApp(env: Record<string, string> = {}): { app: Hono; config: Config } {
  const config = parseConfig({ ...baseEnv, ...env }, "node");
  const app = new Hono();
  const providers = buildProviders(config, { discordGuildsOfInterest: [GUILD] });
  // The routes keep each flow's state until its single use (TTLs are not needed here).
  const flows = new Map<string, string>();
  const store = {
    put: async (k: string, v: string) => void flows.set(k, v),
    take: async (k: string) => {
      const v = flows.get(k) ?? null;
      flows.delete(k);
      return v;
    },
  };
  const deps = { config, logger, now: () => Date.now() + clock, store };
  app.route("/", loginRoutes(deps, { providers, onIdentity: async (c, identity, flow) => c.json({ identity, flow }) }));
  return { app, config };
}

const { app } = makeApp();
const browser = () => new FakeBrowser(app, ISSUER);
const start = (p: string, q = "") => `${ISSUER}/auth/${p}/start${q}`;
type Answer = { identity: Record<string, unknown> & { facts: unknown }; flow: unknown };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  world.github.users.set(4242, {
    id: 4242,
    login: "octocat",
    emails: [
      { email: "unverified@example.com", primary: false, verified: false },
      { email: "octo@example.com", primary: true, verified: true },
    ],
    orgs: ["acme", "other"],
    teams: ["acme/platform"],
  });
  world.discord.users.set("80351110224678912", {
    id: "80351110224678912",
    username: "nelly",
    avatar: "8342729096ea3675442027381ff50dfe",
    email: "nelly@example.com",
    verified: false,
    guilds: [
      { id: GUILD, name: "Acme", roles: [ROLE, "222"] },
      { id: "999", name: "Elsewhere", roles: ["333"] },
    ],
  });
  world.slack.users.set("U0R7JM", {
    userId: "U0R7JM", teamId: "T0001", teamName: "Acme", enterpriseId: "E0001", name: "krane", email: "krane@acme.com", emailVerified: true,
  });
});
afterAll(() => server.close());
afterEach(() => {
  for (const p of [world.github, world.discord, world.slack]) {
    p.outage = "none";
    p.browser.consent = "allow";
  }
  world.github.browser.userId = 4242;
  world.discord.browser.userId = "80351110224678912";
  world.slack.browser.userId = "U0R7JM";
  world.slack.idTokenTweaks = {};
  clock = 0;
  logs.length = 0;
});

/** Start a flow and let the fake platform answer; returns the callback URL (not yet visited). */
async function toCallback(b: FakeBrowser, provider: string, q = ""): Promise<string> {
  const s = await b.request(start(provider, q));
  expect(s.status).toBe(302);
  const atPlatform = await b.request(s.headers.get("location") ?? "");
  expect(atPlatform.status).toBe(302);
  const cb = atPlatform.headers.get("location") ?? "";
  expect(cb.startsWith(`${ISSUER}/auth/${provider}/callback?`)).toBe(true);
  return cb;
}

describe("provider logins", () => {
  it("GitHub: orgs, teams and the verified primary email; flow cookie cleared", async () => {
    world.github.browser.userId = 4242;
    const b = browser();
    const s = await b.request(start("github", "?return_to=/account&intent=login"));
    const authorize = new URL(s.headers.get("location") ?? "");
    expect(authorize.origin + authorize.pathname).toBe("https://github.com/login/oauth/authorize");
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${ISSUER}/auth/github/callback`);
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email read:org");
    expect(b.cookie("ab_flow_github")).toBeDefined();
    const { res } = await b.follow(authorize.href);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.flow).toEqual({ intent: "login", returnTo: "/account" });
    expect(body.identity).toMatchObject({ provider: "github", subject: "4242", username: "octocat", email: "octo@example.com", emailVerified: true });
    expect(body.identity.facts).toEqual({ provider: "github", orgs: ["acme", "other"], teams: ["acme/platform"] });
    expect(String((body.identity.tokens as { accessToken: string }).accessToken)).toMatch(/^gho_/);
    expect(b.cookie("ab_flow_github")).toBeUndefined();
    expect(b.cookie("state")).toBeUndefined(); // the middleware's shared cookie never reaches the browser
  });

  it("Discord: guilds, member roles for guilds of interest, no unverified email", async () => {
    const { res } = await browser().follow(start("discord", "?intent=link"));
    const body = (await res.json()) as Answer;
    expect(body.flow).toEqual({ intent: "link", returnTo: "/" });
    expect(body.identity).toMatchObject({ provider: "discord", subject: "80351110224678912", username: "nelly", emailVerified: false });
    expect(body.identity.email).toBeUndefined();
    expect(body.identity.facts).toEqual({ provider: "discord", guilds: [GUILD, "999"], roles: { [GUILD]: [ROLE, "222"] } });
    world.discord.users.set("1", { id: "1", username: "ver", email: "v@example.com", verified: true, guilds: [] });
    world.discord.browser.userId = "1";
    const again = (await (await browser().follow(start("discord"))).res.json()) as Answer;
    expect(again.identity).toMatchObject({ subject: "1", email: "v@example.com", emailVerified: true });
  });

  it("Slack: team and enterprise from a validated ID token, with nonce and PKCE S256", async () => {
    const b = browser();
    const s = await b.request(start("slack"));
    const q = new URL(s.headers.get("location") ?? "").searchParams;
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("nonce")?.length).toBeGreaterThan(20);
    const { res } = await b.follow(s.headers.get("location") ?? "");
    const body = (await res.json()) as Answer;
    expect(body.identity).toMatchObject({ provider: "slack", subject: "U0R7JM", username: "krane", email: "krane@acme.com" });
    expect(body.identity.facts).toEqual({ provider: "slack", team: "T0001", enterprise: "E0001", teamName: "Acme" });
  });

  it.each([
    ["a wrong nonce", async () => ({ claims: { nonce: "not-the-flow-nonce" } }), /nonce/],
    ["a wrong audience", async () => ({ claims: { aud: "someone-else" } }), /aud/],
    ["another key (same kid)", async () => ({ key: (await generateKeyPair("RS256")).privateKey }), /signature verification failed/],
  ])("Slack: an ID token with %s is refused", async (_, tweak, reason) => {
    world.slack.idTokenTweaks = await tweak();
    const { res } = await browser().follow(start("slack"));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("did not accept");
    expect(logs.join("\n")).toMatch(reason);
  });
});

describe("flow protection", () => {
  it("?error=access_denied ends the flow with a page: no redirect, cookie cleared", async () => {
    world.github.browser.consent = "deny";
    const b = browser();
    const { res, visited } = await b.follow(start("github"));
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(visited.filter((u) => u.startsWith("https://github.com"))).toHaveLength(1);
    expect(await res.text()).toContain("cancelled");
    expect(res.headers.getSetCookie().join()).toMatch(/ab_flow_github=;.*Max-Age=0/);
    expect(b.cookie("ab_flow_github")).toBeUndefined();
  });

  it("refuses a callback without the flow cookie, with another flow's state, or after expiry", async () => {
    const cb = await toCallback(browser(), "github");
    expect((await browser().request(cb)).status).toBe(400); // no cookie: login CSRF
    expect(logs.pop()).toMatch(/missing/);
    const victim = browser();
    await victim.request(start("github"));
    const res = await victim.request(cb); // the attacker's callback in the victim's browser
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("refused");
    expect(logs.pop()).toMatch(/state mismatch/);
    const late = browser();
    const lateCb = await toCallback(late, "github");
    clock = 11 * 60 * 1000;
    expect((await late.request(lateCb)).status).toBe(400);
    expect(logs.pop()).toMatch(/expired/);
  });

  it("a used callback cannot be replayed (the cookie is single-use)", async () => {
    const b = browser();
    const cb = await toCallback(b, "github");
    expect((await b.request(cb)).status).toBe(200);
    expect((await b.request(cb)).status).toBe(400);
  });

  it("sets HttpOnly, SameSite=Lax, path-scoped, signed cookies; tampering is refused", async () => {
    const b = browser();
    const res = await b.request(start("github"));
    const line = res.headers.getSetCookie().find((l) => l.startsWith("ab_flow_github=")) ?? "";
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).toMatch(/Path=\/auth\/github\//);
    expect(line).not.toMatch(/Secure/);
    const cb = new URL((await b.request(res.headers.get("location") ?? "")).headers.get("location") ?? "");
    const c = b.cookies.get("ab_flow_github");
    if (!c) throw new Error("no cookie");
    const [payload, sig] = decodeURIComponent(c.value).split(".");
    const forged = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    forged.returnTo = "/evil";
    c.value = encodeURIComponent(`${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${sig}`);
    expect((await b.request(cb.href)).status).toBe(400);
    expect(logs.pop()).toMatch(/tampered/);

    const https = makeApp({ AUTHBRIDGE_ISSUER: "https://auth.example.com" }).app;
    const sec = await https.request("https://auth.example.com/auth/github/start");
    expect(sec.headers.getSetCookie().join()).toMatch(/ab_flow_github=.*Secure/);
  });

  it.each(["//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)", "/%5Cevil", "/%2F%2Fevil.com", "/a\nb", ""])(
    "refuses return_to=%j",
    async (bad) => {
      const res = await browser().request(start("github", `?return_to=${encodeURIComponent(bad)}`));
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.getSetCookie()).toHaveLength(0);
    },
  );

  it("unknown or disabled providers and bad intents get HTML pages with secure headers", async () => {
    const res = await browser().request(start("gitlab"));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const onlyGithub = makeApp({ DISCORD_CLIENT_ID: "", DISCORD_CLIENT_SECRET: "" }).app;
    expect((await onlyGithub.request(start("discord"))).status).toBe(404);
    expect((await onlyGithub.request(`${ISSUER}/auth/discord/callback?code=x&state=y`)).status).toBe(404);
    expect((await browser().request(start("github", "?intent=admin"))).status).toBe(400);
  });
});

describe("platform failures", () => {
  it.each(["github", "discord", "slack"] as const)("%s down at the token endpoint → 503 page", async (p) => {
    const b = browser();
    const cb = await toCallback(b, p);
    world[p].outage = "down";
    const res = await b.request(cb);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("not answering");
  });

  it("a hanging platform → 503 within ~6 s", async () => {
    const b = browser();
    const cb = await toCallback(b, "github");
    world.github.outage = "hang";
    const t0 = Date.now();
    const res = await b.request(cb);
    expect(res.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(6500);
  }, 15_000);

  it("GitHub's HTTP 200 with an error on a bad code → error page, not a crash", async () => {
    const b = browser();
    const cb = new URL(await toCallback(b, "github"));
    cb.searchParams.set("code", "expired-code");
    const res = await b.request(cb.href);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("GitHub did not accept");
    expect(logs.pop()).toMatch(/incorrect or expired/);
  });
});

describe("dev connector", () => {
  const dev = makeApp({ AUTHBRIDGE_DEV_LOGIN: "1" }).app;

  it("renders a picker bound to the flow state and returns the impersonated facts", async () => {
    const b = new FakeBrowser(dev, ISSUER);
    const page = await b.request(start("dev"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const state = /name="state" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
    expect(state.length).toBeGreaterThan(20);
    const form = { state, impersonate: "github", subject: "7", username: "dev<script>", orgs: "acme", teams: "acme/platform" };
    const forged = await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", body: new URLSearchParams({ ...form, state: "x" }) });
    expect(forged.status).toBe(400); // wrong state; and the cookie is now spent
    const fresh = /name="state" value="([^"]+)"/.exec(await (await b.request(start("dev"))).text())?.[1] ?? "";
    const res = await b.request(`${ISSUER}/auth/dev/callback`, { method: "POST", body: new URLSearchParams({ ...form, state: fresh }) });
    const body = (await res.json()) as Answer;
    expect(body.identity).toMatchObject({ provider: "dev", subject: "github:7", username: "dev<script>" });
    expect(body.identity.facts).toEqual({ provider: "github", orgs: ["acme"], teams: ["acme/platform"] });
  });

  it("exists only with AUTHBRIDGE_DEV_LOGIN on a localhost issuer", async () => {
    expect((await app.request(start("dev"))).status).toBe(404);
    const config = parseConfig({ ...baseEnv, AUTHBRIDGE_DEV_LOGIN: "1" }, "node");
    expect(buildProviders({ ...config, issuerIsLocal: false }).has("dev")).toBe(false);
    expect(() => parseConfig({ ...baseEnv, AUTHBRIDGE_ISSUER: "https://auth.example.com", AUTHBRIDGE_DEV_LOGIN: "1" }, "node")).toThrow(/DEV_LOGIN/);
  });
});
