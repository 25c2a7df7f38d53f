/**
 * GitHub login (OAuth App). @hono/oauth-providers' `githubAuth` does the code exchange and `/user`; we
 * fetch what it does not: orgs, teams and the VERIFIED primary email (it takes the primary email unverified).
 *
 * Quirks handled here:
 * - We build the authorize URL ourselves: the middleware's start half sets one unsigned `state` cookie
 *   shared by every provider, and with `oauthApp: true` it drops `redirect_uri` (even when given).
 * - The middleware runs through `middlewareCodeExchange` (its state cookie never reaches the browser).
 * - GitHub answers token errors with HTTP 200 `{error, error_description}`; the middleware turns that
 *   into HTTPException(400), which `middlewareCodeExchange` maps to a refusal.
 */
import { githubAuth } from "@hono/oauth-providers/github";
import type { Context } from "hono";
import { z } from "zod";
import type { CallbackInput, ExternalIdentity, FlowSecrets, Provider } from "../../src/domain";
import { DependencyUnavailableError } from "../../src/errors";
import { middlewareCodeExchange, providerTokens, type CodeExchanged } from "../middleware-code-exchange";
import type { PlatformCallObserver } from "../fetch";
import { authorizeRedirect, type OAuthClientCredentials } from "../oauth";
import { fetchGitHubFacts, GITHUB_AS, githubApi } from "./api";

/** Scopes we ask for: profile, emails, and org/team membership for the rules. */
export const GITHUB_SCOPES = ["read:user", "user:email", "read:org"] as const;

const GitHubUser = z.object({ id: z.number().int().positive(), login: z.string().min(1), avatar_url: z.string().optional().nullable() });
const Email = z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() });

/** Constructor options of {@link GitHubProvider}. */
export interface GitHubOptions extends OAuthClientCredentials {
  /** Our public base URL; the callback is `${issuer}/auth/github/callback`. */
  issuer: string;
  /** Told about each GitHub API call (metrics). */
  observe?: PlatformCallObserver | undefined;
}

/**
 * The GitHub login connector.
 * @example const gh = new GitHubProvider({ clientId, clientSecret, issuer });
 */
export class GitHubProvider implements Provider {
  readonly id = "github" as const;
  readonly label = "GitHub";
  readonly #opts: GitHubOptions;
  readonly #exchange: (input: CallbackInput) => Promise<CodeExchanged>;

  constructor(opts: GitHubOptions) {
    this.#opts = opts;
    this.#exchange = middlewareCodeExchange(
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
    return authorizeRedirect(c, GITHUB_AS, {
      client_id: this.#opts.clientId,
      redirect_uri: this.redirectUri,
      scope: GITHUB_SCOPES.join(" "),
      state: flow.state,
    });
  }

  async callback(_c: Context, input: CallbackInput): Promise<ExternalIdentity> {
    const exchanged = await this.#exchange(input);
    const parsedUser = GitHubUser.safeParse(exchanged.user);
    if (!parsedUser.success) throw new DependencyUnavailableError("provider", "github gave an unexpected user", { cause: parsedUser.error });
    const user = parsedUser.data;
    const token = exchanged.token;

    const [facts, emails] = await Promise.all([
      fetchGitHubFacts(token.token, input.signal, this.#opts.observe),
      githubApi("/user/emails?per_page=100", z.array(Email), token.token, input.signal, this.#opts.observe),
    ]);
    const primary = emails.data.find((e) => e.primary && e.verified);
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
