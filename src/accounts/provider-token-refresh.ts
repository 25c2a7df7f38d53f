/**
 * Refreshing a stored provider access token with its refresh token (the standard `refresh_token` grant at
 * the platform's token endpoint), for the entitlement re-sync. Discord user tokens expire after a week;
 * GitHub (expiring user tokens) and Slack (token rotation) may also hand out refresh tokens.
 *
 * We do the POST ourselves rather than use @hono/oauth-providers' `refreshToken`: that one takes no abort
 * signal (a hanging platform must fail fast) and does not validate the answer.
 */
import { z } from "zod";
import type { ProviderTokens } from "../../providers/provider";
import { ProviderRejectedError } from "../../providers/provider";
import { DependencyUnavailableError } from "../errors";

/** Platforms whose user tokens we know how to refresh. */
export type RefreshableProvider = "github" | "discord" | "slack";

const TOKEN_ENDPOINTS: Record<RefreshableProvider, string> = {
  github: "https://github.com/login/oauth/access_token",
  discord: "https://discord.com/api/v10/oauth2/token",
  slack: "https://slack.com/api/openid.connect.token",
};

// Errors that say nothing about the user's grant: our client credentials are wrong (an operator's problem:
// punishing every user by marking their identities stale would be wrong) or the platform is overloaded.
const NOT_THE_USERS_FAULT = new Set([
  "invalid_client",
  "incorrect_client_credentials",
  "invalid_client_id",
  "bad_client_secret",
  "unauthorized_client",
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "temporarily_unavailable",
  "server_error",
]);

const Success = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});
// GitHub and Discord put `error` in the body (GitHub with HTTP 200); Slack answers 200 `{ok:false, error}`.
const Failure = z.object({ error: z.string() });

/**
 * Trade `refreshToken` for new tokens. Throws {@link ProviderRejectedError} when the platform refuses the
 * refresh token (revoked, already used, expired), `DependencyUnavailableError` otherwise.
 * @example const tokens = await refreshProviderTokens("discord", config.discord, stored, Date.now(), signal);
 */
export async function refreshProviderTokens(
  provider: RefreshableProvider,
  client: { clientId: string; clientSecret: string },
  stored: ProviderTokens & { refreshToken: string },
  nowMs: number,
  signal: AbortSignal,
): Promise<ProviderTokens> {
  const body = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: stored.refreshToken,
    client_id: client.clientId,
    client_secret: client.clientSecret,
  });
  let res: Response;
  try {
    res = await fetch(TOKEN_ENDPOINTS[provider], {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body,
      signal,
    });
  } catch (cause) {
    throw new DependencyUnavailableError("provider", `${provider} did not answer the token refresh`, { cause });
  }
  if (res.status >= 500 || res.status === 429) throw new DependencyUnavailableError("provider", `${provider} answered ${res.status} to the token refresh`);
  const json: unknown = await res.json().catch(() => undefined);
  const failure = Failure.safeParse(json);
  if (failure.success || !res.ok || (json as { ok?: unknown } | undefined)?.ok === false) {
    const code = failure.success ? failure.data.error : `HTTP ${res.status}`;
    if (NOT_THE_USERS_FAULT.has(code)) throw new DependencyUnavailableError("provider", `${provider} refused our client for the token refresh (${code})`);
    throw new ProviderRejectedError(provider, `${provider} refused the refresh token (${code})`);
  }
  const ok = Success.safeParse(json);
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
