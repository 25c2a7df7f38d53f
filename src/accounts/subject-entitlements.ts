/**
 * What a token subject may still have at refresh time: an account's stored entitlements (derived from its
 * identities by the rules), or no restriction for a client acting for itself.
 */
import { eq } from "drizzle-orm";
import type { AppDeps } from "../deps";
import { entitlements } from "../db/schema";
import { ID_PREFIX } from "../lib/ids";
import type { SubjectEntitlements } from "../oauth/grants/refresh-token";

/** The hook used by the refresh grant. */
export function subjectEntitlements(deps: AppDeps): SubjectEntitlements {
  return async (sub) => {
    if (!sub.startsWith(ID_PREFIX.account)) return { scopes: null, roles: [] };
    const rows = await deps.db.select().from(entitlements).where(eq(entitlements.accountId, sub)).limit(1);
    const row = rows[0];
    if (!row) return { scopes: [], roles: [] };
    return { scopes: JSON.parse(row.scopes) as string[], roles: JSON.parse(row.roles) as string[] };
  };
}
