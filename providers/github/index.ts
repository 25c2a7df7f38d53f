/**
 * The GitHub platform: login (OAuth App, when configured), facts re-fetch with a stored user token,
 * refresh of expiring user tokens, and the checks of `github` (user and installation tokens) and
 * `github-actions` (Actions OIDC ID tokens) credentials.
 */
import type { JWTVerifyGetKey } from "jose";
import type { Platform } from "../../src/domain";
import type { PlatformCallObserver } from "../fetch";
import { refreshPlatformTokens, type OAuthClientCredentials } from "../oauth";
import { githubActionsCheck, createActionsJwks } from "./actions";
import { fetchGitHubFacts, GITHUB_AS } from "./api";
import { GitHubProvider } from "./login";
import { githubTokenCheck } from "./tokens";

export { GitHubProvider, GITHUB_SCOPES } from "./login";
export { ACTIONS_ISSUER, ACTIONS_JWKS_URL, createActionsJwks } from "./actions";

/** Options of {@link githubPlatform}. */
export interface GitHubPlatformOptions {
  /** Our public base URL: the login callback's base, and the audience Actions tokens must name. */
  issuer: string;
  /** The OAuth App; without it there is no login and no token refresh. */
  client?: OAuthClientCredentials | undefined;
  /** GitHub Actions key set; default: GitHub's, fetched and cached by jose. */
  actionsJwks?: JWTVerifyGetKey | undefined;
  /** Told about each GitHub API call (metrics). */
  observe?: PlatformCallObserver | undefined;
}

/**
 * Declare the GitHub platform.
 * @example const github = githubPlatform({ issuer, client: { clientId, clientSecret } });
 */
export function githubPlatform(opts: GitHubPlatformOptions): Platform {
  const { client, issuer, observe } = opts;
  return {
    id: "github",
    login: client ? new GitHubProvider({ ...client, issuer, observe }) : undefined,
    refetchFacts: async (token, _subject, signal) => ({ provider: "github", ...(await fetchGitHubFacts(token, signal, observe)) }),
    refreshTokens: client
      ? (stored, nowMs, signal) =>
          refreshPlatformTokens({ provider: "github", as: GITHUB_AS, client, notTheUsersFault: ["incorrect_client_credentials"] }, stored, nowMs, signal)
      : undefined,
    checkCredential: {
      github: githubTokenCheck(observe),
      // Actions tokens name their audience; ours is our issuer (CONTRACT.md), whatever AUTHBRIDGE_AUDIENCE says.
      "github-actions": githubActionsCheck(opts.actionsJwks ?? createActionsJwks(), issuer),
    },
  };
}
