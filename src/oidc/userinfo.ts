/**
 * The UserInfo answer (OpenID Connect Core §5.3) for an access token that carries `openid`: `sub` and the
 * claims its identity scopes unlock — the same claims the ID token had, with the account's roles as they
 * are now. JSON, or a signed JWT when the token's client registered `userinfo_signed_response_alg`
 * (§5.3.2, oidc/signed-userinfo.ts). Tokens without `openid` keep `/userinfo`'s own answer
 * (oauth/userinfo.ts).
 */
import { getEntitlements } from "../accounts/entitlements";
import type { AppDeps } from "../deps";
import type { AccessClaims } from "../tokens/verify-own";
import { personClaims, type PersonClaims } from "./claims";
import { settingsForClient } from "./settings-for-client";
import { signUserinfo } from "./signed-userinfo";

/** The UserInfo claims. */
export type UserinfoClaims = { sub: string } & PersonClaims;

/** What `/userinfo` answers an OpenID Connect token: the claims as JSON, or signed. */
export type OpenIdUserinfoAnswer = { kind: "json"; claims: UserinfoClaims } | { kind: "jwt"; jwt: string };

/**
 * The claims for `sub` under the token's `scopes`; `tokenRoles` are used when no entitlements are stored.
 * @example const claims = await openIdUserinfo(deps, token.sub, token.scope.split(" "), token.roles);
 */
export async function openIdUserinfo(deps: Pick<AppDeps, "db" | "config">, sub: string, scopes: readonly string[], tokenRoles: readonly string[]): Promise<UserinfoClaims> {
  const roles = scopes.includes("groups") ? ((await getEntitlements(deps.db, sub))?.roles ?? tokenRoles) : tokenRoles;
  return { sub, ...(await personClaims(deps.db, sub, scopes, { roles, groups: deps.config.oidcGroups })) };
}

/**
 * The answer for a verified access token carrying `openid`, in the form its client registered.
 * @example const answer = await openIdUserinfoAnswer(deps, claims); if (answer.kind === "jwt") …
 */
export async function openIdUserinfoAnswer(
  deps: Pick<AppDeps, "db" | "config" | "keys" | "findClient" | "now">,
  token: Pick<AccessClaims, "sub" | "scope" | "roles" | "client_id">,
): Promise<OpenIdUserinfoAnswer> {
  const [claims, settings] = await Promise.all([openIdUserinfo(deps, token.sub, token.scope.split(" "), token.roles), settingsForClient(deps, token.client_id)]);
  if (settings.userinfoAlg === null) return { kind: "json", claims };
  const iat = Math.floor(deps.now() / 1000);
  return { kind: "jwt", jwt: await signUserinfo(claims, { keys: deps.keys, issuer: deps.config.issuer, clientId: token.client_id, alg: settings.userinfoAlg, iat }) };
}
