/**
 * Token exchange with Discord bot tokens (`GET /users/@me` with the `Bot` scheme, the bot's guilds and
 * its roles in the guilds the rules mention) on the msw fake Discord.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getAccount } from "../../src/accounts/accounts";
import { listIdentities, resolveLogin } from "../../src/accounts/identities";
import { deriveKey } from "../../src/lib/secret";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { accountCount, body, botClient, exchange, exchangeEnv, GUILD, ISSUER, ROLE, verifyAccessToken } from "./setup";

const BOT_ID = "90000000000000001";
let world: World;
let server: ReturnType<typeof startFakes>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  world.discord.bots.set("bot-mod", { id: BOT_ID, username: "modbot", guilds: [{ id: GUILD, roles: [ROLE] }, { id: "999", roles: [] }] });
  world.discord.bots.set("bot-plain", { id: "90000000000000002", username: "plainbot", guilds: [{ id: GUILD, roles: [] }] });
  world.discord.bots.set("bot-away", { id: "90000000000000003", username: "awaybot", guilds: [] });
  world.discord.users.set("80351110224678912", { id: "80351110224678912", username: "nelly", verified: true, guilds: [{ id: GUILD, name: "Acme", roles: [ROLE] }] });
  world.discord.tokens.set("user-oauth-token", { userId: "80351110224678912", scope: "identify guilds" });
  t = await createTestApp({ env: exchangeEnv() });
  client = await botClient(t);
});
afterAll(() => {
  server.close();
  t.close();
});
afterEach(() => {
  world.discord.outage = "none";
});

describe("token exchange: Discord bots", () => {
  it("a bot with the role in the guild gets posts:write and posts:moderate, never the kind:user scope", async () => {
    const res = await exchange(t, client, "discord-bot", "bot-mod", { scope: "posts:write posts:moderate admin" });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b).toMatchObject({ scope: "posts:moderate posts:write", token_type: "Bearer" });
    expect(b).not.toHaveProperty("refresh_token");
    const { payload } = await verifyAccessToken(t, String(b.access_token));
    expect((await getAccount(t.deps.db, String(payload.sub)))?.kind).toBe("bot");
    const [identity] = await listIdentities(t.deps.db, String(payload.sub));
    expect(identity).toMatchObject({ provider: "discord", subject: `bot:${BOT_ID}`, username: "modbot" });
    expect(identity?.facts).toEqual({ provider: "discord", guilds: [GUILD, "999"].sort(), roles: { [GUILD]: [ROLE] } });
  });

  it("without the role: posts:write only; outside the guild: profile only", async () => {
    expect((await body(await exchange(t, client, "discord-bot", "bot-plain"))).scope).toBe("posts:write profile");
    expect((await body(await exchange(t, client, "discord-bot", "bot-away"))).scope).toBe("profile");
  });

  it("a person with the bot's numeric id (were it possible) and the bot get different accounts", async () => {
    const sealKey = await deriveKey(t.deps.config.secret, "provider-token-encryption");
    const human = await resolveLogin(
      t.deps.db,
      { provider: "discord", subject: BOT_ID, username: "lookalike", emailVerified: false, facts: { provider: "discord", guilds: [GUILD], roles: {} } },
      { intent: "login", sealKey, now: Date.now() },
    );
    const { payload } = await verifyAccessToken(t, String((await body(await exchange(t, client, "discord-bot", "bot-mod"))).access_token));
    expect(payload.sub).not.toBe(human.accountId);
    expect((await getAccount(t.deps.db, human.accountId))?.kind).toBe("user");
  });

  it("invalid, revoked, or a user's OAuth token presented as a bot token: invalid_grant, nothing created", async () => {
    world.discord.bots.set("bot-revoked", { id: "90000000000000004", username: "gone" });
    world.discord.revoked.add("bot-revoked");
    const before = await accountCount(t);
    for (const token of ["bot-nope", "bot-revoked", "user-oauth-token"]) {
      const res = await exchange(t, client, "discord-bot", token);
      expect(res.status).toBe(400);
      expect(await body(res)).toMatchObject({ error: "invalid_grant" });
    }
    expect(await accountCount(t)).toBe(before);
  });

  it("Discord down: 503, nothing created", async () => {
    world.discord.bots.set("bot-new", { id: "90000000000000005", username: "newbot", guilds: [] });
    const before = await accountCount(t);
    world.discord.outage = "down";
    const res = await exchange(t, client, "discord-bot", "bot-new");
    expect(res.status).toBe(503);
    expect(await body(res)).toMatchObject({ error: "temporarily_unavailable" });
    expect(await accountCount(t)).toBe(before);
  });
});
