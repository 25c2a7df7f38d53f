/**
 * The registry: the providers enabled by configuration (a platform is enabled when its client id and
 * secret are set; `dev` only with AUTHBRIDGE_DEV_LOGIN on a localhost issuer).
 */
import type { Config } from "../src/config";
import { DevProvider } from "./dev";
import { DiscordProvider } from "./discord";
import { GitHubProvider } from "./github";
import type { Provider, ProviderId } from "./provider";
import { SlackProvider } from "./slack";

export { DevProvider } from "./dev";
export { DiscordProvider } from "./discord";
export { GitHubProvider } from "./github";
export { SlackProvider } from "./slack";
export type { Provider } from "./provider";

/** Options the configuration alone does not give. */
export interface ProviderRegistryOptions {
  /** Discord guild ids the rules mention (their member roles are fetched at login). */
  discordGuildsOfInterest?: readonly string[];
}

/**
 * Build the enabled providers, keyed by id, in display order.
 * @example const providers = buildProviders(config, { discordGuildsOfInterest: guildsInRules });
 */
export function buildProviders(config: Config, opts: ProviderRegistryOptions = {}): Map<ProviderId, Provider> {
  const out = new Map<ProviderId, Provider>();
  const issuer = config.issuer;
  if (config.github) out.set("github", new GitHubProvider({ ...config.github, issuer }));
  if (config.discord) {
    out.set("discord", new DiscordProvider({ ...config.discord, issuer, guildsOfInterest: opts.discordGuildsOfInterest ?? [] }));
  }
  if (config.slack) out.set("slack", new SlackProvider({ ...config.slack, issuer }));
  // parseConfig already refuses dev login off localhost; checking again keeps this safe on its own.
  if (config.devLogin && config.issuerIsLocal) out.set("dev", new DevProvider({ issuer }));
  return out;
}
