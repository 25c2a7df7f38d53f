/** The entitlements hook: how token grants learn what a subject may still have. */

/**
 * Decides the subject's current roles and the scopes it may still have (`scopes: null` = no restriction,
 * a client acting for itself). Accounts plug in here; the grants only call it. `published`: what a refresh
 * rotation brought back from the state store for this subject (opaque to the grant), used while fresh.
 */
export type SubjectEntitlements = (sub: string, published?: string) => Promise<{ scopes: string[] | null; roles: string[] }>;
