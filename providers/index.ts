/**
 * The platform registry: one module per platform (providers/<platform>/), each declaring login, facts
 * re-fetch, platform-token refresh and credential checks over the shared OAuth core (oauth.ts) and HTTP
 * helper (fetch.ts). This module receives its options (built from configuration in src/platforms.ts);
 * it never reads the configuration itself.
 */
import type { JWTVerifyGetKey } from "jose";
import { PLATFORMS, type Platform, type PlatformId } from "../src/domain";
import { discordPlatform } from "./discord";
import type { PlatformCallObserver } from "./fetch";
import { githubPlatform } from "./github";
import type { OAuthClientCredentials } from "./oauth";
import { slackPlatform } from "./slack";

export { DevProvider, type DevOptions } from "./dev";
export { DiscordProvider, discordPlatform } from "./discord";
export { GitHubProvider, githubPlatform } from "./github";
export { SlackProvider, slackPlatform } from "./slack";
export type { OAuthClientCredentials } from "./oauth";
export type { PlatformCallObserver, PlatformCallOutcome } from "./fetch";

/** What the platforms need to know. */
export interface PlatformsOptions {
  /** Our public base URL (login callbacks, the audience of Actions tokens). */
  issuer: string;
  /** Our client at each platform; a platform without one has no login and no token refresh. */
  clients: Partial<Record<PlatformId, OAuthClientCredentials>>;
  /** Discord guild ids the rules mention (their member roles are fetched). */
  discordGuildsOfInterest: readonly string[];
  /** GitHub Actions key set; default: GitHub's, fetched and cached by jose. */
  actionsJwks?: JWTVerifyGetKey | undefined;
  /** Told about every platform API call: platform, outcome, latency (the app's metrics). */
  observe?: PlatformCallObserver | undefined;
}

// One entry per id in PLATFORMS (the compiler insists): how to declare that platform from the options.
const DECLARE: Record<PlatformId, (o: PlatformsOptions) => Platform> = {
  github: (o) => githubPlatform({ issuer: o.issuer, client: o.clients.github, actionsJwks: o.actionsJwks, observe: o.observe }),
  discord: (o) => discordPlatform({ issuer: o.issuer, client: o.clients.discord, guildsOfInterest: o.discordGuildsOfInterest, observe: o.observe }),
  slack: (o) => slackPlatform({ issuer: o.issuer, client: o.clients.slack, observe: o.observe }),
};

/**
 * Every platform, keyed by id, in display order. Create once per app (it holds the Actions key cache).
 * @example const platforms = createPlatforms({ issuer, clients: { github }, discordGuildsOfInterest: [] });
 */
export function createPlatforms(opts: PlatformsOptions): ReadonlyMap<PlatformId, Platform> {
  return new Map(PLATFORMS.map((id) => [id, DECLARE[id](opts)]));
}
