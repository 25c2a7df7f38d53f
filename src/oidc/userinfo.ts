/**
 * The UserInfo answer (OpenID Connect Core §5.3) for an access token that carries `openid`: `sub` and the
 * claims its identity scopes unlock, as JSON — the same claims the ID token had, with the account's roles
 * as they are now. Tokens without `openid` keep `/userinfo`'s own answer (oauth/userinfo.ts).
 */
import { getEntitlements } from "../accounts/entitlements";
import type { AppDeps } from "../deps";
import { personClaims, type PersonClaims } from "./claims";

/** The UserInfo claims. */
export type UserinfoClaims = { sub: string } & PersonClaims;

/**
 * The claims for `sub` under the token's `scopes`; `tokenRoles` are used when no entitlements are stored.
 * @example return c.json(await openIdUserinfo(deps, claims.sub, claims.scope.split(" "), claims.roles));
 */
export async function openIdUserinfo(deps: Pick<AppDeps, "db" | "config">, sub: string, scopes: readonly string[], tokenRoles: readonly string[]): Promise<UserinfoClaims> {
  const roles = scopes.includes("groups") ? ((await getEntitlements(deps.db, sub))?.roles ?? tokenRoles) : tokenRoles;
  return { sub, ...(await personClaims(deps.db, sub, scopes, { roles, groups: deps.config.oidcGroups })) };
}
