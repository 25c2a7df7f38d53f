/**
 * The Discord platform: login (when configured), facts re-fetch with a stored user token, refresh of
 * user tokens (they expire after a week), and the check of `discord-bot` credentials.
 */
import type { Platform } from "../../src/domain";
import type { PlatformCallObserver } from "../fetch";
import { refreshPlatformTokens, type OAuthClientCredentials } from "../oauth";
import { DISCORD_AS, fetchDiscordFacts } from "./api";
import { discordBotCheck } from "./bot";
import { DiscordProvider } from "./login";

export { DiscordProvider, DISCORD_SCOPES } from "./login";

/** Options of {@link discordPlatform}. */
export interface DiscordPlatformOptions {
  issuer: string;
  /** The OAuth2 application; without it there is no login and no token refresh. */
  client?: OAuthClientCredentials | undefined;
  /** Guild ids the rules mention: member roles are fetched for these only (at login, re-sync, bot checks). */
  guildsOfInterest: readonly string[];
  /** Told about each Discord API call (metrics). */
  observe?: PlatformCallObserver | undefined;
}

/**
 * Declare the Discord platform.
 * @example const discord = discordPlatform({ issuer, client, guildsOfInterest: guildsMentioned(rules) });
 */
export function discordPlatform(opts: DiscordPlatformOptions): Platform {
  const { client, issuer, guildsOfInterest, observe } = opts;
  return {
    id: "discord",
    login: client ? new DiscordProvider({ ...client, issuer, guildsOfInterest, observe }) : undefined,
    refetchFacts: async (token, _subject, signal) => ({ provider: "discord", ...(await fetchDiscordFacts(token, guildsOfInterest, signal, observe)) }),
    refreshTokens: client ? (stored, nowMs, signal) => refreshPlatformTokens({ provider: "discord", as: DISCORD_AS, client }, stored, nowMs, signal) : undefined,
    checkCredential: { "discord-bot": discordBotCheck(guildsOfInterest, observe) },
  };
}
