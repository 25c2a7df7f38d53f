/**
 * Token exchange with Slack bot and user tokens (`auth.test` on the msw fake Slack): scopes from the
 * rules, subjects in their own namespace, Slack's HTTP-200 errors told apart (refusal vs outage), and a
 * platform that hangs answered with a 503 in bounded time.
 */
import { Hono } from "hono";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listIdentities } from "../../src/accounts/identities";
import { errorHandler } from "../../src/http/on-error";
import { silentLogger } from "../../src/lib/log";
import { tokenExchangeGrant } from "../../src/oauth/grants/token-exchange";
import { tokenRoutes } from "../../src/oauth/token";
import { buildPlatforms } from "../../src/platforms";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { accountCount, body, botClient, exchange, exchangeEnv, ISSUER, TOKEN_EXCHANGE, verifyAccessToken } from "./setup";

let world: World;
let server: ReturnType<typeof startFakes>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  world.slack.bots.set("xoxb-acme", { teamId: "T0001", team: "Acme", userId: "U0BOT", botId: "B0001", appId: "A0001", enterpriseId: "E0001" });
  world.slack.bots.set("xoxb-other", { teamId: "T0002", team: "Other", userId: "U0BOT2", botId: "B0002", appId: "A0001" });
  world.slack.users.set("U0R7JM", { userId: "U0R7JM", teamId: "T0001", teamName: "Acme", name: "krane", email: "krane@acme.com", emailVerified: true });
  world.slack.tokens.set("xoxp-krane", { userId: "U0R7JM" });
  t = await createTestApp({ env: exchangeEnv() });
  client = await botClient(t);
});
afterAll(() => {
  server.close();
  t.close();
});
afterEach(() => {
  world.slack.outage = "none";
  server.resetHandlers();
});

describe("token exchange: Slack", () => {
  it("a bot token in T0001 gets events:write (kind:bot rule) and not the kind:user scope", async () => {
    const res = await exchange(t, client, "slack", "xoxb-acme", { scope: "events:write chat:admin profile" });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b).toMatchObject({ scope: "events:write profile", issued_token_type: "urn:ietf:params:oauth:token-type:access_token" });
    expect(b).not.toHaveProperty("refresh_token");
    const { payload } = await verifyAccessToken(t, String(b.access_token));
    const [identity] = await listIdentities(t.deps.db, String(payload.sub));
    expect(identity).toMatchObject({ provider: "slack", subject: "bot:T0001:B0001" });
    expect(identity?.facts).toEqual({ provider: "slack", team: "T0001", enterprise: "E0001", teamName: "Acme", appId: "A0001" });
  });

  it("a bot of another workspace gets only what every account gets", async () => {
    expect((await body(await exchange(t, client, "slack", "xoxb-other"))).scope).toBe("profile");
  });

  it("a user token is a bot account under user:<team>:<user>, never the person's login identity", async () => {
    const b = await body(await exchange(t, client, "slack", "xoxp-krane"));
    expect(b.scope).toBe("events:write profile"); // kind is bot: chat:admin (kind:user) never applies
    const { payload } = await verifyAccessToken(t, String(b.access_token));
    const [identity] = await listIdentities(t.deps.db, String(payload.sub));
    expect(identity?.subject).toBe("user:T0001:U0R7JM"); // Sign in with Slack uses the bare "U0R7JM"
  });

  it("invalid and revoked tokens are invalid_grant and create nothing", async () => {
    const before = await accountCount(t);
    world.slack.bots.set("xoxb-revoked", { teamId: "T0001", team: "Acme", userId: "U0BOT3", botId: "B0003" });
    world.slack.revoked.add("xoxb-revoked");
    for (const token of ["xoxb-nope", "xoxb-revoked"]) {
      const res = await exchange(t, client, "slack", token);
      expect(res.status).toBe(400);
      expect(await body(res)).toMatchObject({ error: "invalid_grant" });
    }
    expect(await accountCount(t)).toBe(before);
  });

  it("Slack down, or answering ok:false ratelimited: 503, nothing created", async () => {
    world.slack.bots.set("xoxb-fresh", { teamId: "T0001", team: "Acme", userId: "U0BOT4", botId: "B0004" });
    const before = await accountCount(t);
    world.slack.outage = "down";
    const down = await exchange(t, client, "slack", "xoxb-fresh");
    expect(down.status).toBe(503);
    expect(await body(down)).toMatchObject({ error: "temporarily_unavailable" });
    world.slack.outage = "none";
    server.use(http.post("https://slack.com/api/auth.test", () => HttpResponse.json({ ok: false, error: "ratelimited" })));
    expect((await exchange(t, client, "slack", "xoxb-fresh")).status).toBe(503);
    expect(await accountCount(t)).toBe(before);
  });

  it("Slack hanging: 503 within the grant's time budget", async () => {
    // The same grant with a short budget, on the same deps (the production default is 5 s).
    const app = new Hono().route("/", tokenRoutes(t.deps, { [TOKEN_EXCHANGE]: tokenExchangeGrant(t.deps, { platforms: buildPlatforms(t.deps.config), timeoutMs: 300 }) }));
    app.onError(errorHandler(silentLogger));
    world.slack.bots.set("xoxb-hang", { teamId: "T0001", team: "Acme", userId: "U0BOT5", botId: "B0005" });
    world.slack.outage = "hang";
    const started = Date.now();
    const res = await exchange({ ...t, app }, client, "slack", "xoxb-hang");
    expect(res.status).toBe(503);
    expect(await body(res)).toMatchObject({ error: "temporarily_unavailable" });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
