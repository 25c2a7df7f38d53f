/**
 * The credential-check cache (embedded store; the Upstash store is covered in upstash.test.ts): a repeat
 * within 60 s makes no platform call, a failure is never cached, an entry never answers for another
 * `subject_token_type`, and the stored value holds no credential.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkCacheKey } from "../../src/credentials/check-cache";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { body, botClient, countCalls, exchange, exchangeEnv, ISSUER } from "./setup";

let world: World;
let server: ReturnType<typeof startFakes>;
let calls: ReturnType<typeof countCalls>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  calls = countCalls(server);
  world.slack.bots.set("xoxb-acme", { teamId: "T0001", team: "Acme", userId: "U0BOT", botId: "B0001" });
  world.discord.bots.set("bot-one", { id: "90000000000000001", username: "one", guilds: [] });
  t = await createTestApp({ env: exchangeEnv() });
  client = await botClient(t);
});
afterAll(() => {
  server.close();
  t.close();
});
afterEach(() => {
  world.slack.outage = "none";
  world.discord.outage = "none";
  calls.reset();
});

describe("credential-check cache", () => {
  it("a second exchange within 60 s makes no platform call; after 60 s the platform is asked again", async () => {
    expect((await exchange(t, client, "slack", "xoxb-acme")).status).toBe(200);
    expect(calls.of("slack.com")).toBe(1);
    t.advance(30_000);
    const again = await exchange(t, client, "slack", "xoxb-acme");
    expect(again.status).toBe(200);
    expect((await body(again)).scope).toBe("events:write profile");
    expect(calls.of("slack.com")).toBe(1);
    t.advance(31_000);
    expect((await exchange(t, client, "slack", "xoxb-acme")).status).toBe(200);
    expect(calls.of("slack.com")).toBe(2);
  });

  it("within the minute a revoked credential is still answered from the cache (the documented bound)", async () => {
    world.slack.bots.set("xoxb-soon-revoked", { teamId: "T0001", team: "Acme", userId: "U0BOT2", botId: "B0002" });
    expect((await exchange(t, client, "slack", "xoxb-soon-revoked")).status).toBe(200);
    world.slack.revoked.add("xoxb-soon-revoked");
    expect((await exchange(t, client, "slack", "xoxb-soon-revoked")).status).toBe(200);
    t.advance(61_000);
    expect((await exchange(t, client, "slack", "xoxb-soon-revoked")).status).toBe(400);
  });

  it("a failed check is not cached: once the platform knows the token, the retry succeeds at once", async () => {
    expect((await exchange(t, client, "slack", "xoxb-later")).status).toBe(400);
    world.slack.bots.set("xoxb-later", { teamId: "T0001", team: "Acme", userId: "U0BOT3", botId: "B0003" });
    expect((await exchange(t, client, "slack", "xoxb-later")).status).toBe(200);
    expect(calls.of("slack.com")).toBe(2);
  });

  it("an outage is not cached either", async () => {
    world.discord.outage = "down";
    expect((await exchange(t, client, "discord-bot", "bot-one")).status).toBe(503);
    world.discord.outage = "none";
    expect((await exchange(t, client, "discord-bot", "bot-one")).status).toBe(200);
  });

  it("an entry made for one subject_token_type never answers for another", async () => {
    // The same string, good as a Slack token, presented as a Discord bot token: Discord is asked, and refuses.
    world.slack.bots.set("shared-string", { teamId: "T0001", team: "Acme", userId: "U0BOT4", botId: "B0004" });
    expect((await exchange(t, client, "slack", "shared-string")).status).toBe(200);
    const res = await exchange(t, client, "discord-bot", "shared-string");
    expect(res.status).toBe(400);
    expect(await body(res)).toMatchObject({ error: "invalid_grant" });
    expect(calls.of("discord.com")).toBe(1);
    expect(await checkCacheKey("slack", "shared-string")).not.toBe(await checkCacheKey("discord-bot", "shared-string"));
  });

  it("the stored entry holds the verified identity, never the credential, and lives at most 60 s", async () => {
    world.slack.bots.set("xoxb-secret-value", { teamId: "T0001", team: "Acme", userId: "U0BOT5", botId: "B0005" });
    expect((await exchange(t, client, "slack", "xoxb-secret-value")).status).toBe(200);
    const key = await checkCacheKey("slack", "xoxb-secret-value");
    const raw = await t.deps.store.get(key);
    expect(raw).not.toBeNull();
    expect(key).not.toContain("xoxb-secret-value");
    expect(raw).not.toContain("xoxb-secret-value");
    expect(JSON.parse(raw!)).toMatchObject({ type: "slack", identity: { provider: "slack", subject: "bot:T0001:B0005" } });
    expect(JSON.parse(raw!).identity).not.toHaveProperty("tokens");
    t.advance(60_500);
    expect(await t.deps.store.get(key)).toBeNull();
  });
});
