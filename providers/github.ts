/**
 * GitHub (OAuth App). @hono/oauth-providers' `githubAuth` does the code exchange and `/user`; we fetch
 * what it does not: orgs, teams and the VERIFIED primary email (it takes the primary email unverified).
 *
 * Quirks handled here:
 * - We build the authorize URL ourselves: the middleware's start half sets one unsigned `state` cookie
 *   shared by every provider, and with `oauthApp: true` it drops `redirect_uri` (even when given).
 * - The middleware runs through `middlewareExchange` (its state cookie never reaches the browser).
 * - GitHub answers token errors with HTTP 200 `{error, error_description}`; the middleware turns that
 *   into HTTPException(400), which `middlewareExchange` maps to a refusal.
 */
import { githubAuth } from "@hono/oauth-providers/github";
import type { Context } from "hono";
import { z } from "zod";
import { DependencyUnavailableError } from "../src/errors";
import { middlewareExchange, providerTokens, type Exchanged } from "./middleware-exchange";
import {
  fetchProviderJson,
  ProviderRejectedError,
  type CallbackInput,
  type ExternalIdentity,
  type FlowSecrets,
  type Provider,
} from "./provider";

/** Scopes we ask for: profile, emails, and org/team membership for the rules. */
export const GITHUB_SCOPES = ["read:user", "user:email", "read:org"] as const;

const API = "https://api.github.com";
const API_HEADERS = { "User-Agent": "authbridge", "X-GitHub-Api-Version": "2022-11-28", Accept: "application/vnd.github+json" };

const GitHubUser = z.object({ id: z.number().int().positive(), login: z.string().min(1), avatar_url: z.string().optional().nullable() });
const Org = z.object({ login: z.string() });
const Team = z.object({ slug: z.string(), organization: z.object({ login: z.string() }) });
const Email = z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() });

/** Constructor options of {@link GitHubProvider}. */
export interface GitHubOptions {
  clientId: string;
  clientSecret: string;
  /** Our public base URL; the callback is `${issuer}/auth/github/callback`. */
  issuer: string;
}

/** Fetch the rules-relevant facts with a user token (also used when refreshing entitlements). */
export async function fetchGitHubFacts(token: string, signal: AbortSignal): Promise<{ orgs: string[]; teams: string[] }> {
  const opts = { token, signal, headers: API_HEADERS };
  const [orgs, teams] = await Promise.all([
    fetchProviderJson("github", `${API}/user/orgs?per_page=100`, z.array(Org), opts),
    fetchProviderJson("github", `${API}/user/teams?per_page=100`, z.array(Team), opts),
  ]);
  return { orgs: orgs.map((o) => o.login), teams: teams.map((t) => `${t.organization.login}/${t.slug}`) };
}

/**
 * The GitHub connector.
 * @example const gh = new GitHubProvider({ clientId, clientSecret, issuer: config.issuer });
 */
export class GitHubProvider implements Provider {
  readonly id = "github" as const;
  readonly label = "GitHub";
  readonly #opts: GitHubOptions;
  readonly #exchange: (input: CallbackInput) => Promise<Exchanged>;

  constructor(opts: GitHubOptions) {
    this.#opts = opts;
    const redirectUri = this.redirectUri;
    this.#exchange = middlewareExchange(
      "github",
      githubAuth({ client_id: opts.clientId, client_secret: opts.clientSecret, scope: [...GITHUB_SCOPES], oauthApp: true, redirect_uri: this.redirectUri }),
      (c) => c.get("user-github"),
    );
  }

  /** The redirect URI registered at GitHub. */
  get redirectUri(): string {
    return `${this.#opts.issuer}/auth/github/callback`;
  }

  start(c: Context, flow: FlowSecrets): Response {
    const url = new URL("https://github.com/login/oauth/authorize");
    url.searchParams.set("client_id", this.#opts.clientId);
    url.searchParams.set("redirect_uri", this.redirectUri);
    url.searchParams.set("scope", GITHUB_SCOPES.join(" "));
    url.searchParams.set("state", flow.state);
    return c.redirect(url.href, 302);
  }

  async callback(_c: Context, input: CallbackInput): Promise<ExternalIdentity> {
    const exchanged = await this.#exchange(input);
    const parsedUser = GitHubUser.safeParse(exchanged.user);
    if (!parsedUser.success) throw new DependencyUnavailableError("provider", "github gave an unexpected user", { cause: parsedUser.error });
    const user = parsedUser.data;
    const token = exchanged.token;

    const [facts, emails] = await Promise.all([
      fetchGitHubFacts(token.token, input.signal),
      fetchProviderJson("github", `${API}/user/emails?per_page=100`, z.array(Email), { token: token.token, signal: input.signal, headers: API_HEADERS }),
    ]);
    const primary = emails.find((e) => e.primary && e.verified);
    const now = Math.floor(Date.now() / 1000);
    return {
      provider: "github",
      subject: String(user.id),
      username: user.login,
      email: primary?.email,
      emailVerified: primary !== undefined,
      avatar: user.avatar_url ?? undefined,
      facts: { provider: "github", orgs: facts.orgs, teams: facts.teams },
      tokens: providerTokens(exchanged, now),
    };
  }
}
