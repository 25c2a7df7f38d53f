/**
 * Platform API calls are counted by platform and outcome, with their latency: a GitHub login through the
 * platform fakes (msw) and a refused token exchange show in a `/metrics` scrape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { exchange, exchangeEnv, ISSUER } from "../exchange/setup";
import { createWorld, FakeBrowser, startFakes, type World } from "../support/fakes";
import { authorizeUrl, followUntil, pkce } from "../support/login";
import { observedApp, sample, type ObservedApp } from "./support";

const CB = "https://app.example.com/cb";
let world: World;
let fakes: ReturnType<typeof startFakes>;
let o: ObservedApp;

beforeAll(async () => {
  world = await createWorld(ISSUER);
  fakes = startFakes(world);
  world.github.users.set(4343, { id: 4343, login: "hubot", emails: [], orgs: ["acme"], teams: [] });
  o = await observedApp({ env: exchangeEnv({ AUTHBRIDGE_ISSUER: ISSUER }) });
});
afterAll(() => {
  fakes?.close();
  o?.t.close();
});

describe("platform call metrics", () => {
  it("count each platform API call by outcome, with its latency", async () => {
    const before = await o.scrape();
    expect(sample(before, 'authbridge_platform_calls_total{platform="github",outcome="ok"}')).toBeUndefined();

    const web = await createClient(o.t.deps.db, { name: "web", isPublic: true, redirectUris: [CB] });
    world.github.browser.userId = 4343;
    const { challenge } = pkce();
    const url = authorizeUrl(ISSUER, { response_type: "code", client_id: web.client.id, redirect_uri: CB, code_challenge: challenge, code_challenge_method: "S256", state: "s", provider: "github" });
    const { landed, visited } = await followUntil(new FakeBrowser(o.app, ISSUER), url, CB);
    expect(landed, visited.join(" -> ")).toBeDefined();

    const afterLogin = await o.scrape();
    // Orgs, teams and emails after the code exchange.
    const ok = sample(afterLogin, 'authbridge_platform_calls_total{platform="github",outcome="ok"}');
    expect(ok).toBeGreaterThanOrEqual(3);
    expect(sample(afterLogin, 'authbridge_platform_call_duration_seconds_count{platform="github"}')).toBe(ok);
    expect(sample(afterLogin, 'authbridge_platform_call_duration_seconds_sum{platform="github"}')).toBeGreaterThan(0);
    expect(sample(afterLogin, 'authbridge_platform_call_duration_seconds_bucket{platform="github",le="+Inf"}')).toBe(ok);

    // A token GitHub does not know: a refusal, not an outage.
    const bot = await createClient(o.t.deps.db, { name: "bot", grants: ["urn:ietf:params:oauth:grant-type:token-exchange"] });
    expect((await exchange({ ...o.t, app: o.app }, { id: bot.client.id, secret: bot.secret! }, "github", "gho_nobody_knows_this")).status).toBe(400);
    expect(sample(await o.scrape(), 'authbridge_platform_calls_total{platform="github",outcome="refused"}')).toBeGreaterThanOrEqual(1);
  });
});
