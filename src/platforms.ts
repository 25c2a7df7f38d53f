/**
 * The one place configuration becomes platforms: client credentials, the issuer and the Discord guilds
 * the rules mention are handed to providers/ as options (providers/ never reads `Config`), and the login
 * connectors are picked from what is configured, plus the dev picker on a localhost issuer.
 */
import type { JWTVerifyGetKey } from "jose";
import { createPlatforms, DevProvider, type OAuthClientCredentials, type PlatformCallObserver } from "../providers";
import type { Config } from "./config";
import { PLATFORMS, type Platform, type PlatformId, type Provider, type ProviderId } from "./domain";
import { guildsMentioned } from "./rules/schema";
import { devLoginPage } from "./ui/dev-login-page";

/** Options the configuration alone does not give. */
export interface BuildPlatformsOptions {
  /** Discord guild ids whose member roles are fetched; default: those the configured rules mention. */
  discordGuildsOfInterest?: readonly string[];
  /** GitHub Actions key set; default: GitHub's, fetched and cached by jose. */
  actionsJwks?: JWTVerifyGetKey;
  /** Told about every platform API call (the app passes its metrics' `platformCall`). */
  observe?: PlatformCallObserver;
}

/** The platforms as configured. */
export type Platforms = ReadonlyMap<PlatformId, Platform>;

/**
 * Declare every platform from the configuration. Create once per app.
 * @example const platforms = buildPlatforms(deps.config, { observe: metrics.platformCall });
 */
export function buildPlatforms(config: Config, opts: BuildPlatformsOptions = {}): Platforms {
  const clients: Partial<Record<PlatformId, OAuthClientCredentials>> = {};
  for (const id of PLATFORMS) if (config[id]) clients[id] = config[id];
  return createPlatforms({
    issuer: config.issuer,
    clients,
    discordGuildsOfInterest: opts.discordGuildsOfInterest ?? guildsMentioned(config.rules),
    actionsJwks: opts.actionsJwks,
    observe: opts.observe,
  });
}

/**
 * The enabled login connectors, keyed by id, in display order: each platform whose client is configured,
 * then `dev` with AUTHBRIDGE_DEV_LOGIN on a localhost issuer.
 * @example const providers = loginProviders(buildPlatforms(config), config);
 */
export function loginProviders(platforms: Platforms, config: Config): Map<ProviderId, Provider> {
  const out = new Map<ProviderId, Provider>();
  for (const p of platforms.values()) if (p.login) out.set(p.id, p.login);
  // parseConfig already refuses dev login off localhost; checking again keeps this safe on its own.
  if (config.devLogin && config.issuerIsLocal) out.set("dev", new DevProvider({ issuer: config.issuer, page: devLoginPage }));
  return out;
}

/**
 * The enabled login connectors straight from the configuration.
 * @example const providers = buildProviders(config, { discordGuildsOfInterest: ["81384788765712384"] });
 */
export function buildProviders(config: Config, opts: BuildPlatformsOptions = {}): Map<ProviderId, Provider> {
  return loginProviders(buildPlatforms(config, opts), config);
}
