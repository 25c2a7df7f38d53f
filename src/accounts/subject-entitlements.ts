/**
 * What a token subject may still have at token time: an account's entitlements (derived from its
 * identities by the rules, re-synced from the platforms once older than ENTITLEMENTS_MAX_AGE), or no
 * restriction for a client acting for itself.
 */
import type { AppDeps } from "../deps";
import type { SubjectEntitlements } from "../domain";
import { ID_PREFIX } from "../lib/ids";
import type { Rules } from "../rules/schema";
import { freshPublished } from "./published-entitlements";
import { currentEntitlements, type PlatformsById } from "./resync";

/**
 * The hook used by the token grants. May throw `OAuthError("temporarily_unavailable")` when an account's
 * entitlements are too old and a platform does not answer.
 * `platforms` re-fetch the facts of identities whose entitlements are too old.
 * @example const entitlements = subjectEntitlements(deps, platforms, deps.config.rules);
 */
export function subjectEntitlements(deps: AppDeps, platforms: PlatformsById, rules: Rules = deps.config.rules): SubjectEntitlements {
  return async (sub, published) => {
    if (!sub.startsWith(ID_PREFIX.account)) return { scopes: null, roles: [] };
    // Published with the refresh family's rotation: while fresh, no database read (see published-entitlements.ts).
    const { scopes, roles } = freshPublished(published, deps.now(), deps.config.entitlementsMaxAge) ?? (await currentEntitlements(deps, platforms, rules, sub));
    return { scopes, roles };
  };
}
