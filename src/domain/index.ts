/**
 * The domain: types every layer shares (identities, facts, platform tokens, the provider list,
 * credentials, the platform port, the entitlements hook). It imports nothing from the adapters
 * (providers/) or the HTTP layers; they import it.
 */
export * from "./credentials";
export * from "./entitlements";
export * from "./errors";
export * from "./facts";
export * from "./identity";
export * from "./platform";
export * from "./platforms";
