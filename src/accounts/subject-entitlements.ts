/**
 * What a token subject may still have at token time: an account's entitlements (derived from its
 * identities by the rules, re-synced from the platforms once older than ENTITLEMENTS_MAX_AGE), or no
 * restriction for a client acting for itself.
 */
import type { AppDeps } from "../deps";
import { ID_PREFIX } from "../lib/ids";
import type { SubjectEntitlements } from "../oauth/grants/refresh-token";
import type { Rules } from "../rules/schema";
import { currentEntitlements } from "./resync";

/**
 * The hook used by the token grants. May throw `OAuthError("temporarily_unavailable")` when an account's
 * entitlements are too old and a platform does not answer.
 * @example const entitlements = subjectEntitlements(deps, deps.config.rules);
 */
export function subjectEntitlements(deps: AppDeps, rules: Rules = deps.config.rules): SubjectEntitlements {
  return async (sub) => {
    if (!sub.startsWith(ID_PREFIX.account)) return { scopes: null, roles: [] };
    const { scopes, roles } = await currentEntitlements(deps, rules, sub);
    return { scopes, roles };
  };
}
