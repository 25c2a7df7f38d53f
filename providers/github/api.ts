/**
 * GitHub's endpoints and the API calls every GitHub capability shares: one declaration of the
 * authorization server, the API base and headers, and the rules-relevant facts of a user token.
 */
import type * as oauth from "oauth4webapi";
import { z } from "zod";
import { fetchPlatform, type PlatformCallObserver } from "../fetch";

/** GitHub's OAuth endpoints (an OAuth App: no discovery, no OpenID Connect). */
export const GITHUB_AS: oauth.AuthorizationServer = {
  issuer: "https://github.com",
  authorization_endpoint: "https://github.com/login/oauth/authorize",
  token_endpoint: "https://github.com/login/oauth/access_token",
};

const API = "https://api.github.com";
const API_HEADERS = { "User-Agent": "authbridge", "X-GitHub-Api-Version": "2022-11-28", Accept: "application/vnd.github+json" };

/**
 * Call the GitHub REST API with a token and validate the answer.
 * @example const { data } = await githubApi("/user", User, token, signal, observe);
 */
export function githubApi<S extends z.ZodType>(
  path: string,
  schema: S,
  token: string,
  signal: AbortSignal,
  observe?: PlatformCallObserver,
): Promise<{ data: z.output<S>; headers: Headers }> {
  return fetchPlatform("github", `${API}${path}`, schema, { token, signal, headers: API_HEADERS, observe });
}

const Org = z.object({ login: z.string() });
const Team = z.object({ slug: z.string(), organization: z.object({ login: z.string() }) });

/**
 * The rules-relevant facts of a user token (at login, on re-sync, and for exchanged user tokens).
 * @example const { orgs, teams } = await fetchGitHubFacts(token, signal, observe);
 */
export async function fetchGitHubFacts(token: string, signal: AbortSignal, observe?: PlatformCallObserver): Promise<{ orgs: string[]; teams: string[] }> {
  const [orgs, teams] = await Promise.all([
    githubApi("/user/orgs?per_page=100", z.array(Org), token, signal, observe),
    githubApi("/user/teams?per_page=100", z.array(Team), token, signal, observe),
  ]);
  return { orgs: orgs.data.map((o) => o.login), teams: teams.data.map((t) => `${t.organization.login}/${t.slug}`) };
}
