/**
 * The OAuth client core every platform module shares: its authorization server as one oauth4webapi
 * declaration, the redirect that starts a login, and the refresh of a stored platform token through
 * oauth4webapi's `refreshTokenGrantRequest` / `processRefreshTokenResponse` (I/O, then validation).
 * (@hono/oauth-providers' own `refreshToken` takes no abort signal and does not validate the answer.)
 */
import type { Context } from "hono";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import { ProviderRejectedError, type ProviderTokens } from "../src/domain";
import { DependencyUnavailableError } from "../src/errors";

/** Our client at a platform (from configuration). */
export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Redirect the browser to a platform's authorization endpoint with the given parameters.
 * @example return authorizeRedirect(c, GITHUB_AS, { client_id, redirect_uri, scope, state });
 */
export function authorizeRedirect(c: Context, as: oauth.AuthorizationServer, params: Record<string, string>): Response {
  const url = new URL(as.authorization_endpoint ?? "");
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return c.redirect(url.href, 302);
}

// Refusals that say nothing about the user's grant: our client credentials are wrong (an operator's
// problem: punishing every user by marking their identities stale would be wrong) or the platform is
// overloaded. Platforms add their own spellings of these.
const NOT_THE_USERS_FAULT = ["invalid_client", "unauthorized_client", "temporarily_unavailable", "server_error"];

const Success = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});
// GitHub and Discord put `error` in the body (GitHub with HTTP 200); Slack answers 200 `{ok:false, error}`.
const Failure = z.object({ error: z.string() });

/** Options of {@link refreshPlatformTokens}. */
export interface RefreshOptions {
  /** The platform's name, for errors. */
  provider: string;
  as: oauth.AuthorizationServer;
  client: OAuthClientCredentials;
  /** Extra oauth4webapi client metadata (e.g. the ID token algorithm of an OpenID provider). */
  metadata?: Partial<oauth.Client>;
  /** The platform's own error codes that are not the user's fault (outages, our client refused). */
  notTheUsersFault?: readonly string[];
}

/**
 * Trade `stored.refreshToken` for new tokens at the platform's token endpoint. Throws
 * {@link ProviderRejectedError} when the platform refuses the refresh token (revoked, already used,
 * expired), `DependencyUnavailableError` otherwise.
 * @example const next = await refreshPlatformTokens({ provider: "discord", as: DISCORD_AS, client }, stored, Date.now(), signal);
 */
export async function refreshPlatformTokens(
  opts: RefreshOptions,
  stored: ProviderTokens & { refreshToken: string },
  nowMs: number,
  signal: AbortSignal,
): Promise<ProviderTokens> {
  const { provider, as } = opts;
  const client: oauth.Client = { ...opts.metadata, client_id: opts.client.clientId };
  let res: Response;
  try {
    res = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretPost(opts.client.clientSecret), stored.refreshToken, { signal });
  } catch (cause) {
    throw new DependencyUnavailableError("provider", `${provider} did not answer the token refresh`, { cause });
  }
  if (res.status >= 500 || res.status === 429 || (res.status >= 300 && res.status < 400)) {
    res.body?.cancel().catch(() => undefined);
    throw new DependencyUnavailableError("provider", `${provider} answered ${res.status} to the token refresh`);
  }
  // Read the refusal ourselves: GitHub and Slack refuse with HTTP 200, which oauth4webapi would only
  // report as a malformed success.
  const json: unknown = await res
    .clone()
    .json()
    .catch(() => undefined);
  const failure = Failure.safeParse(json);
  if (failure.success || !res.ok || (json as { ok?: unknown } | undefined)?.ok === false) {
    const code = failure.success ? failure.data.error : `HTTP ${res.status}`;
    if (NOT_THE_USERS_FAULT.includes(code) || opts.notTheUsersFault?.includes(code)) {
      throw new DependencyUnavailableError("provider", `${provider} refused our client for the token refresh (${code})`);
    }
    throw new ProviderRejectedError(provider, `${provider} refused the refresh token (${code})`);
  }
  let answer: unknown;
  try {
    answer = await oauth.processRefreshTokenResponse(as, client, res);
  } catch (cause) {
    throw new DependencyUnavailableError("provider", `${provider} gave an unexpected token refresh answer`, { cause });
  }
  const ok = Success.safeParse(answer);
  if (!ok.success) throw new DependencyUnavailableError("provider", `${provider} gave an unexpected token refresh answer`, { cause: ok.error });
  return {
    accessToken: ok.data.access_token,
    // Platforms that rotate refresh tokens send a new one; the others keep the old one valid.
    refreshToken: ok.data.refresh_token ?? stored.refreshToken,
    expiresAt: ok.data.expires_in ? Math.floor(nowMs / 1000) + ok.data.expires_in : undefined,
    // GitHub separates scopes with commas; we store them space-separated like OAuth.
    scope: ok.data.scope !== undefined ? ok.data.scope.split(/[ ,]+/).filter(Boolean).join(" ") : stored.scope,
  };
}
