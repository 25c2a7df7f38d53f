/**
 * The port every platform module (providers/<platform>) implements: login, and the capabilities the
 * rest of the server asks for by name (`platform.refetchFacts?`, `platform.refreshTokens?`,
 * `platform.checkCredential?.[type]`) instead of switching on a platform's id.
 */
import type { Context } from "hono";
import type { CredentialCheck, CredentialChecks, CredentialType } from "./credentials";
import type { ProviderFacts } from "./facts";
import type { ExternalIdentity, ProviderTokens } from "./identity";
import type { PlatformId, ProviderId } from "./platforms";

/** The secrets of one login flow a provider needs (all CSPRNG values from the flow cookie). */
export interface FlowSecrets {
  state: string;
  nonce: string;
  /** PKCE verifier; providers whose platform (or library) has no PKCE ignore it. */
  codeVerifier: string;
}

/** What a provider's callback gets once the flow cookie and `state` have been checked. */
export interface CallbackInput extends FlowSecrets {
  /** The callback's parameters: the query string, or the form for a POST callback (dev). */
  params: URLSearchParams;
  /** Aborts when the whole callback's time budget is spent; pass it to every fetch. */
  signal: AbortSignal;
}

/**
 * One upstream login connector. `start` answers the browser (a redirect to the platform, or a page);
 * `callback` turns the platform's answer into an {@link ExternalIdentity}.
 * @example const res = await provider.start(c, { state, nonce, codeVerifier });
 */
export interface Provider {
  readonly id: ProviderId;
  /** Human name for pages, e.g. "GitHub". */
  readonly label: string;
  start(c: Context, flow: FlowSecrets): Response | Promise<Response>;
  callback(c: Context, input: CallbackInput): Promise<ExternalIdentity>;
}

/**
 * One platform and what it can do. Every capability is optional: a caller asks for it and skips the
 * platform when it is absent (e.g. no client credentials configured → no login, no token refresh).
 */
export interface Platform {
  readonly id: PlatformId;
  /** Login through this platform, when its client is configured. */
  readonly login?: Provider | undefined;
  /**
   * The identity's current facts, fetched again with its stored user token (entitlement re-sync).
   * Throws `ProviderRejectedError` when the platform refuses the token, `DependencyUnavailableError`
   * when it does not answer usefully.
   */
  refetchFacts?(token: string, subject: string, signal: AbortSignal): Promise<ProviderFacts>;
  /**
   * Trade a stored refresh token for new platform tokens. Throws `ProviderRejectedError` when the
   * platform refuses the refresh token, `DependencyUnavailableError` otherwise.
   */
  refreshTokens?(stored: ProviderTokens & { refreshToken: string }, nowMs: number, signal: AbortSignal): Promise<ProviderTokens>;
  /** Checks of bot and workload credentials this platform vouches for, by credential type. */
  readonly checkCredential?: CredentialChecks | undefined;
}

/**
 * The check of one credential type across the platforms, or undefined when none offers it.
 * @example const check = credentialCheckOf(platforms.values(), "slack");
 */
export function credentialCheckOf(platforms: Iterable<Platform>, type: CredentialType): CredentialCheck | undefined {
  for (const p of platforms) {
    const check = p.checkCredential?.[type];
    if (check) return check;
  }
  return undefined;
}
