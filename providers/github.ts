/**
 * GitHub (OAuth App). @hono/oauth-providers' `githubAuth` does the code exchange and `/user`; we fetch
 * what it does not: orgs, teams and the VERIFIED primary email (it takes the primary email unverified).
 *
 * Quirks handled here:
 * - We build the authorize URL ourselves: the middleware's start half sets one unsigned `state` cookie
 *   shared by every provider, and with `oauthApp: true` it drops `redirect_uri` (even when given).
 * - The middleware runs in a private inner app that sees only our already-verified state (as its
 *   `state` cookie), so its cookie never reaches the browser and concurrent flows cannot clobber it.
 * - GitHub answers token errors with HTTP 200 `{error, error_description}`; the middleware turns that
 *   into HTTPException(400), which we map to a refusal. It has no timeout: the caller's signal bounds it.
 */
import { githubAuth } from "@hono/oauth-providers/github";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { DependencyUnavailableError } from "../src/errors";
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

const innerResult = z.object({
  token: z.object({ token: z.string().min(1), expires_in: z.number().optional().nullable() }),
  refresh: z.object({ token: z.string(), expires_in: z.number() }).optional().nullable(),
  scopes: z.array(z.string()).optional().nullable(),
  user: z.object({ id: z.number().int().positive(), login: z.string().min(1), avatar_url: z.string().optional().nullable() }),
});
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
  readonly #inner: Hono;

  constructor(opts: GitHubOptions) {
    this.#opts = opts;
    const redirectUri = this.redirectUri;
    this.#inner = new Hono()
      .get(
        "/callback",
        githubAuth({
          client_id: opts.clientId,
          client_secret: opts.clientSecret,
          scope: [...GITHUB_SCOPES],
          oauthApp: true,
          redirect_uri: redirectUri,
        }),
        (c) => c.json({ token: c.get("token"), refresh: c.get("refresh-token"), scopes: c.get("granted-scopes"), user: c.get("user-github") }),
      )
      .onError((err, c) =>
        // Refusals (bad code, bad credentials) come as HTTPException; anything else is an outage or garbage.
        err instanceof HTTPException && err.status < 500
          ? c.json({ rejected: err.message || `HTTP ${err.status}` }, 400)
          : c.json({ unavailable: err.message }, 503),
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
    const code = input.params.get("code");
    if (!code) throw new ProviderRejectedError("github", "no code in the callback");
    const q = new URLSearchParams({ code, state: input.state });
    let res: Response;
    try {
      res = await this.#inner.request(`/callback?${q}`, { headers: { Cookie: `state=${input.state}` }, signal: input.signal });
    } catch (cause) {
      throw new DependencyUnavailableError("provider", "github did not answer", { cause });
    }
    const body: unknown = await res.json();
    if (res.status === 400) throw new ProviderRejectedError("github", String((body as { rejected?: unknown }).rejected));
    if (res.status !== 200) throw new DependencyUnavailableError("provider", `github: ${String((body as { unavailable?: unknown }).unavailable)}`);
    const parsed = innerResult.safeParse(body);
    if (!parsed.success) throw new DependencyUnavailableError("provider", "github gave an unexpected answer", { cause: parsed.error });
    const { token, refresh, scopes, user } = parsed.data;

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
      tokens: {
        accessToken: token.token,
        refreshToken: refresh?.token || undefined,
        expiresAt: token.expires_in ? now + token.expires_in : undefined,
        // GitHub separates granted scopes with commas; we store them space-separated like OAuth.
        scope: scopes?.join(" "),
      },
    };
  }
}
