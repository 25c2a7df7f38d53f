/**
 * The provider list, declared once. Everything else that enumerates platforms (the rules' provider
 * names, the parse of stored facts, the dev picker, the login routes) derives from these tuples.
 */

/** The platforms people log in with and bots present credentials of: one module each under providers/. */
export const PLATFORMS = ["github", "discord", "slack"] as const;

/** One platform. */
export type PlatformId = (typeof PLATFORMS)[number];

/** Login connectors: the platforms, and `dev`, the local fake picker (localhost only). */
export type ProviderId = PlatformId | "dev";

/**
 * Namespaces whose facts the rules can match: the platforms, and GitHub Actions (a workload identity of
 * the GitHub platform, reached only through token exchange).
 */
export const FACTS_PROVIDERS = [...PLATFORMS, "github-actions"] as const;

/** One namespace of facts. */
export type FactsProvider = (typeof FACTS_PROVIDERS)[number];

/**
 * True for a namespace of facts.
 * @example isFactsProvider("github-actions") // true
 */
export function isFactsProvider(value: unknown): value is FactsProvider {
  return typeof value === "string" && (FACTS_PROVIDERS as readonly string[]).includes(value);
}
