/**
 * Credential type `discord-bot` (token exchange): a Discord bot token, checked with `GET /users/@me`
 * under the `Bot` scheme; then its guilds, and its roles in the guilds the rules mention.
 *
 * Subject (provider "discord"): `bot:<user id>`. Discord snowflakes are unique across users and bots, so
 * the bare id could not collide with a person's login subject today; the prefix keeps bot identities in
 * their own namespace anyway, like every other exchanged credential, so no change of platform id scheme
 * can ever hand a person's account to a bot.
 */
import { z } from "zod";
import { ProviderRejectedError, type CredentialCheck } from "../../src/domain";
import type { PlatformCallObserver } from "../fetch";
import { avatarUrl, discordApi } from "./api";

const PAGE = 200;
/** Bots can sit in very many guilds; the rules only need the ones they mention, checked separately. */
const MAX_GUILD_PAGES = 5;

const Me = z.object({ id: z.string().regex(/^\d{1,20}$/), username: z.string().min(1), bot: z.boolean().optional(), avatar: z.string().nullish() });
const Guild = z.object({ id: z.string().regex(/^\d{1,20}$/) });
const Member = z.object({ roles: z.array(z.string()) });

/**
 * The bot-token check; member roles are fetched for `guildsOfInterest` only.
 * @example const check = discordBotCheck(["81384788765712384"]); const { identity } = await check(botToken, ctx);
 */
export function discordBotCheck(guildsOfInterest: readonly string[], observe?: PlatformCallObserver): CredentialCheck {
  return async (token, ctx) => {
    const opts = { token, scheme: "Bot" as const, signal: ctx.signal, observe };
    const me = await discordApi("/users/@me", Me, opts);
    if (me.bot !== true) throw new ProviderRejectedError("discord", "not a bot user");

    const guilds: string[] = [];
    for (let page = 0, after = "0"; page < MAX_GUILD_PAGES; page++) {
      const data = await discordApi(`/users/@me/guilds?limit=${PAGE}&after=${after}`, z.array(Guild), opts);
      guilds.push(...data.map((g) => g.id));
      const last = data.at(-1);
      if (data.length < PAGE || !last) break;
      after = last.id;
    }
    // A guild the rules mention but past the pages we read is still found: ask for the member directly.
    const members = await Promise.all(
      guildsOfInterest.map((id) =>
        discordApi(`/guilds/${id}/members/${me.id}`, Member, opts).catch((err: unknown) => {
          if (err instanceof ProviderRejectedError) return null; // not in that guild (404/403)
          throw err;
        }),
      ),
    );
    const roles: Record<string, string[]> = {};
    guildsOfInterest.forEach((id, i) => {
      const m = members[i];
      if (!m) return;
      if (!guilds.includes(id)) guilds.push(id);
      roles[id] = m.roles;
    });
    return {
      identity: {
        provider: "discord",
        subject: `bot:${me.id}`,
        username: me.username,
        emailVerified: false,
        avatar: avatarUrl(me.id, me.avatar),
        facts: { provider: "discord", guilds: [...new Set(guilds)].sort(), roles },
      },
    };
  };
}
