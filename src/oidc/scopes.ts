/**
 * The OpenID Connect scopes. They are about the person, not permissions at an API: any signed-in person
 * may let a client learn who they are, so an identity scope the client asked for counts as entitled
 * (the rules document grants API scopes; it need not grant `openid`). The client's own scope list and
 * the consent screen still apply to them like to any other scope.
 */

/** `openid` asks for an ID token; the others choose its claims (and UserInfo's). */
export const IDENTITY_SCOPES = ["openid", "profile", "email", "groups"] as const;

/** One identity scope. */
export type IdentityScope = (typeof IDENTITY_SCOPES)[number];

const IDENTITY = new Set<string>(IDENTITY_SCOPES);

/** Whether `scope` is one of {@link IDENTITY_SCOPES}. */
export function isIdentityScope(scope: string): scope is IdentityScope {
  return IDENTITY.has(scope);
}

/**
 * What a person is entitled to, plus — in an OpenID Connect request — the identity scopes among those asked
 * for. Only asked-for identity
 * scopes are added: a client asking for nothing keeps getting "everything entitled", which never includes
 * an ID token it did not ask for.
 * @example withAskedIdentityScopes(["repos:read"], ["openid", "repos:read"]) // ["repos:read", "openid"]
 * @example withAskedIdentityScopes([], ["profile"]) // [] (not an OpenID Connect request)
 */
export function withAskedIdentityScopes(entitled: readonly string[], asked: readonly string[]): string[] {
  // Only an OpenID Connect request (it asks for `openid`) makes them identity scopes: elsewhere `profile`
  // or `groups` are ordinary API scopes, granted by the rules like any other (and lost with them).
  if (!asked.includes("openid")) return [...entitled];
  const extra = asked.filter((s) => isIdentityScope(s) && !entitled.includes(s));
  return extra.length === 0 ? [...entitled] : [...entitled, ...extra];
}

/**
 * The identity scopes asked for in an OpenID Connect request (none elsewhere): this server's own, about the
 * person, so a registered resource that does not list them does not strip them from the request — they
 * choose the ID token's claims, while the access token keeps only what the resource understands.
 * @example askedIdentityScopes(["openid", "email", "notes:read"]) // ["openid", "email"]
 */
export function askedIdentityScopes(asked: readonly string[]): string[] {
  return asked.includes("openid") ? asked.filter(isIdentityScope) : [];
}

/**
 * Whether a grant over `scopes` is an OpenID Connect one: it asked for `openid`.
 * @example if (isOpenIdGrant(grant.scopes)) idToken = await issueIdToken(…);
 */
export function isOpenIdGrant(scopes: readonly string[]): boolean {
  return scopes.includes("openid");
}
