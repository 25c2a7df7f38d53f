/**
 * Token exchange on the Upstash state store (the real client, through the REST bridge in front of a
 * throwaway redis-server): the happy path and the credential-check cache on Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCacheKey } from "../../src/credentials/check-cache";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { actionsClaims, body, botClient, countCalls, exchange, exchangeEnv, ISSUER, signActions, verifyAccessToken } from "./setup";

let redis: TestRedis;
let bridge: UpstashBridge;
let world: World;
let server: ReturnType<typeof startFakes>;
let calls: ReturnType<typeof countCalls>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "xc-token" });
  world = await createWorld(ISSUER);
  server = startFakes(world); // loopback (the bridge) passes through msw
  calls = countCalls(server);
  world.slack.bots.set("xoxb-acme", { teamId: "T0001", team: "Acme", userId: "U0BOT", botId: "B0001" });
  t = await createTestApp({ store: "upstash", bridge, env: exchangeEnv() });
  client = await botClient(t);
});
afterAll(async () => {
  server?.close();
  t?.close();
  await bridge?.stop();
  await redis?.stop();
});

describe("token exchange on the Upstash store", () => {
  it("exchanges a Slack bot token, then answers the repeat from the Redis cache", async () => {
    const first = await exchange(t, client, "slack", "xoxb-acme");
    expect(first.status).toBe(200);
    const b = await body(first);
    expect(b.scope).toBe("events:write profile");
    expect((await verifyAccessToken(t, String(b.access_token))).payload.sub).toMatch(/^acct_/);
    expect(calls.of("slack.com")).toBe(1);
    const raw = await t.deps.store.get(await checkCacheKey("slack", "xoxb-acme"));
    expect(raw).not.toBeNull();
    expect(raw).not.toContain("xoxb-acme");
    expect((await exchange(t, client, "slack", "xoxb-acme")).status).toBe(200);
    expect(calls.of("slack.com")).toBe(1);
  });

  it("a cached Actions check is refused once the token has expired, whatever Redis's clock says", async () => {
    const nowS = Math.floor(t.deps.now() / 1000);
    const token = await signActions(world, actionsClaims(), { iat: nowS, exp: nowS + 30 });
    expect((await body(await exchange(t, client, "github-actions", token))).scope).toBe("deploy profile");
    expect(await t.deps.store.get(await checkCacheKey("github-actions", token))).not.toBeNull();
    t.advance(40_000); // our clock only: the Redis entry is still there, its recorded expiry is not
    expect(await t.deps.store.get(await checkCacheKey("github-actions", token))).not.toBeNull();
    const res = await exchange(t, client, "github-actions", token);
    expect(res.status).toBe(400);
    expect(await body(res)).toMatchObject({ error: "invalid_grant" });
  });
});
