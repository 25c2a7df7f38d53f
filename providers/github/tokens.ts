/**
 * Credential type `github` (token exchange): a GitHub user token (PAT, OAuth or user-to-server token) or
 * an app installation token, checked against the GitHub API.
 *
 * Subjects (provider "github"), never equal to a person's login subject (their bare numeric user id):
 * - user token → `user:<user id>`: a workload holding a person's token is a bot account of its own,
 *   never the person's account;
 * - installation token → `installation:<account id>`. GitHub does not tell an installation token its own
 *   installation id (that needs the app's JWT), so the key is the immutable id of the account the app is
 *   installed on (the owner of every repository the token reaches). Installations of different apps on
 *   one account share that bot account; the grant computes each token's scopes from the facts of the
 *   credential just checked, so one never borrows another's repositories.
 */
import { z } from "zod";
import { ProviderRejectedError, type CredentialCheck, type ExternalIdentity, type VerifiedCredential, type VerifyContext } from "../../src/domain";
import type { PlatformCallObserver } from "../fetch";
import { fetchGitHubFacts, githubApi } from "./api";

/** Installations can reach thousands of repositories; the rules only need a bounded list. */
const MAX_REPO_PAGES = 10;

const User = z.object({ id: z.number().int().positive(), login: z.string().min(1), avatar_url: z.string().nullish() });
const Repo = z.object({ full_name: z.string().min(3), owner: z.object({ id: z.number().int().positive(), login: z.string().min(1) }) });
const RepoPage = z.object({ total_count: z.number().int().nonnegative(), repositories: z.array(Repo) });

/**
 * Parse `GitHub-Authentication-Token-Expiration` ("2026-03-01 12:00:00 UTC"), sent for tokens that expire.
 * @example tokenExpiry(new Headers({ "github-authentication-token-expiration": "2026-03-01 12:00:00 UTC" }))
 */
export function tokenExpiry(headers: Headers): number | undefined {
  const raw = headers.get("github-authentication-token-expiration");
  const m = raw ? /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*(UTC|[+-]\d{2}:?\d{2})?$/.exec(raw.trim()) : null;
  if (!m) return undefined;
  const zone = !m[3] || m[3] === "UTC" ? "Z" : m[3].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isFinite(ms) ? ms : undefined;
}

async function checkUserToken(token: string, ctx: VerifyContext, observe: PlatformCallObserver | undefined): Promise<VerifiedCredential> {
  const [{ data: user, headers }, facts] = await Promise.all([
    githubApi("/user", User, token, ctx.signal, observe),
    fetchGitHubFacts(token, ctx.signal, observe),
  ]);
  const identity: ExternalIdentity = {
    provider: "github",
    subject: `user:${user.id}`,
    username: user.login,
    emailVerified: false,
    avatar: user.avatar_url ?? undefined,
    facts: { provider: "github", orgs: facts.orgs, teams: facts.teams },
  };
  return { identity, expiresAt: tokenExpiry(headers) };
}

async function checkInstallationToken(token: string, ctx: VerifyContext, observe: PlatformCallObserver | undefined): Promise<VerifiedCredential> {
  const repos: z.infer<typeof Repo>[] = [];
  let expiresAt: number | undefined;
  for (let page = 1; page <= MAX_REPO_PAGES; page++) {
    const { data, headers } = await githubApi(`/installation/repositories?per_page=100&page=${page}`, RepoPage, token, ctx.signal, observe);
    expiresAt ??= tokenExpiry(headers);
    repos.push(...data.repositories);
    if (data.repositories.length === 0 || repos.length >= data.total_count) break;
  }
  const owner = repos[0]?.owner;
  // An installation lives on one account; without a repository we cannot tell which.
  if (!owner) throw new ProviderRejectedError("github", "the installation can reach no repository");
  if (repos.some((r) => r.owner.id !== owner.id)) throw new ProviderRejectedError("github", "the installation's repositories have different owners");
  const identity: ExternalIdentity = {
    provider: "github",
    subject: `installation:${owner.id}`,
    username: `${owner.login}[installation]`,
    emailVerified: false,
    // Installed on an org is not membership of it: `org` rules do not match installations.
    facts: { provider: "github", orgs: [], teams: [], repositories: [...new Set(repos.map((r) => r.full_name))].sort() },
  };
  return { identity, expiresAt };
}

// GitHub's token formats: ghs_ = installation (server-to-server); ghp_/gho_/ghu_/github_pat_ = user.
const INSTALLATION_PREFIX = /^ghs_/;
const USER_PREFIX = /^(ghp_|gho_|ghu_|github_pat_)/;

/**
 * Check a GitHub user or installation token. Tokens in an unknown format (older GitHub Enterprise
 * servers) are tried as a user token, then as an installation token.
 * @example const { identity } = await githubTokenCheck(observe)(token, ctx);
 */
export function githubTokenCheck(observe?: PlatformCallObserver): CredentialCheck {
  return async (token, ctx) => {
    if (INSTALLATION_PREFIX.test(token)) return checkInstallationToken(token, ctx, observe);
    if (USER_PREFIX.test(token)) return checkUserToken(token, ctx, observe);
    try {
      return await checkUserToken(token, ctx, observe);
    } catch (err) {
      if (!(err instanceof ProviderRejectedError)) throw err;
      return checkInstallationToken(token, ctx, observe);
    }
  };
}
