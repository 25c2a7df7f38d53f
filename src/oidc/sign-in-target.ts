/**
 * The target of a sign-in: a request asking only for identity scopes (`openid` and maybe `profile`,
 * `email`, `groups`) is for this server's own UserInfo, at the default audience, and its tokens carry
 * identity scopes only. This is what lets a third-party client — a developer's app, a registered one —
 * use "Sign in with …" without naming an API: it learns who the person is (after their consent) and
 * nothing else, since every scope of its tokens is one this server itself declares.
 */
import type { Config } from "../config";
import type { Resource } from "../resources/resource";
import { IDENTITY_SCOPES, isIdentityScope } from "./scopes";

const DESCRIPTIONS: Record<string, string> = {
  openid: "Know who you are (your account id here)",
  profile: "See your name, username and picture",
  email: "See your verified email address",
  groups: "See your roles and groups",
};

/**
 * The words for an identity scope on the consent screen, in any OpenID Connect request (a registered
 * resource does not describe this server's own scopes).
 * @example identityScopeWords("email") // "See your verified email address"
 */
export function identityScopeWords(scope: string): string | undefined {
  return isIdentityScope(scope) ? DESCRIPTIONS[scope] : undefined;
}

/** Whether `scopes` ask for a sign-in and nothing more. */
export function isSignInOnly(scopes: readonly string[]): boolean {
  return scopes.includes("openid") && scopes.every(isIdentityScope);
}

/**
 * The built-in resource a sign-in is for: the default audience, understanding the identity scopes.
 * @example if (isSignInOnly(scopes)) return { aud: config.audience, resource: signInResource(config) };
 */
export function signInResource(config: Pick<Config, "audience">): Resource {
  return { uri: config.audience, name: "Your identity", scopes: [...IDENTITY_SCOPES], descriptions: DESCRIPTIONS, source: "configuration", createdAt: null };
}
