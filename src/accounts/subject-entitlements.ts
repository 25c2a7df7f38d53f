/**
 * What a token subject may still have at token time: an account's stored entitlements (derived from its
 * identities by the rules), or no restriction for a client acting for itself.
 */
import type { AppDeps } from "../deps";
import { ID_PREFIX } from "../lib/ids";
import type { SubjectEntitlements } from "../oauth/grants/refresh-token";
import { getEntitlements } from "./entitlements";

/** The hook used by the token grants. */
export function subjectEntitlements(deps: AppDeps): SubjectEntitlements {
  return async (sub) => {
    if (!sub.startsWith(ID_PREFIX.account)) return { scopes: null, roles: [] };
    const stored = await getEntitlements(deps.db, sub);
    return { scopes: stored?.scopes ?? [], roles: stored?.roles ?? [] };
  };
}
