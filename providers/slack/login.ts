/**
 * Sign in with Slack (OpenID Connect) through oauth4webapi: authorization code with state, nonce and
 * PKCE S256; the ID token's claims (iss, aud, exp, iat, nonce) are checked by
 * `processAuthorizationCodeResponse`, and its RS256 signature against Slack's JWKS by
 * `validateApplicationLevelSignature` (oauth4webapi skips the signature by default for TLS token
 * responses; we want it). Slack answers API errors with HTTP 200 `{ok: false, error}`.
 */
import type { Context } from "hono";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import { ProviderRejectedError, type CallbackInput, type ExternalIdentity, type FlowSecrets, type Provider } from "../../src/domain";
import { DependencyUnavailableError } from "../../src/errors";
import { authorizeRedirect, type OAuthClientCredentials } from "../oauth";
import { SLACK_AS, SLACK_SCOPES } from "./api";

/** oauth4webapi metadata of our Slack client besides its id (also used for token refresh). */
export const SLACK_CLIENT_METADATA = { id_token_signed_response_alg: "RS256" } as const;

const Claims = z.object({
  sub: z.string().min(1),
  "https://slack.com/user_id": z.string().optional(),
  "https://slack.com/team_id": z.string().min(1),
  "https://slack.com/enterprise_id": z.string().optional(),
  "https://slack.com/team_name": z.string().optional(),
  name: z.string().optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  picture: z.string().optional(),
});

/** Constructor options of {@link SlackProvider}. */
export interface SlackOptions extends OAuthClientCredentials {
  issuer: string;
}

// Failures that mean "Slack (or its answer) is not usable now", as opposed to a refused or forged login.
function isOutage(err: unknown): boolean {
  if (err instanceof oauth.OperationProcessingError) return err.code === oauth.RESPONSE_IS_NOT_CONFORM || err.code === oauth.RESPONSE_IS_NOT_JSON;
  if (err instanceof oauth.ResponseBodyError || err instanceof oauth.AuthorizationResponseError) return false;
  if (err instanceof oauth.WWWAuthenticateChallengeError) return false;
  if (err instanceof oauth.UnsupportedOperationError) return false;
  // fetch failures (TypeError), aborts and timeouts.
  return true;
}

/**
 * The Slack login connector.
 * @example new SlackProvider({ clientId, clientSecret, issuer })
 */
export class SlackProvider implements Provider {
  readonly id = "slack" as const;
  readonly label = "Slack";
  readonly #opts: SlackOptions;
  readonly #client: oauth.Client;

  constructor(opts: SlackOptions) {
    this.#opts = opts;
    this.#client = { client_id: opts.clientId, ...SLACK_CLIENT_METADATA };
  }

  /** The redirect URI registered at Slack. */
  get redirectUri(): string {
    return `${this.#opts.issuer}/auth/slack/callback`;
  }

  async start(c: Context, flow: FlowSecrets): Promise<Response> {
    return authorizeRedirect(c, SLACK_AS, {
      response_type: "code",
      client_id: this.#opts.clientId,
      scope: SLACK_SCOPES.join(" "),
      redirect_uri: this.redirectUri,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: "S256",
    });
  }

  async callback(_c: Context, input: CallbackInput): Promise<ExternalIdentity> {
    try {
      return await this.#exchange(input);
    } catch (err) {
      if (err instanceof ProviderRejectedError || err instanceof DependencyUnavailableError) throw err;
      if (isOutage(err)) throw new DependencyUnavailableError("provider", "slack did not answer", { cause: err });
      throw new ProviderRejectedError("slack", err instanceof Error ? err.message : "refused", { cause: err });
    }
  }

  async #exchange(input: CallbackInput): Promise<ExternalIdentity> {
    const params = oauth.validateAuthResponse(SLACK_AS, this.#client, input.params, input.state);
    const res = await oauth.authorizationCodeGrantRequest(
      SLACK_AS,
      this.#client,
      oauth.ClientSecretPost(this.#opts.clientSecret),
      params,
      this.redirectUri,
      input.codeVerifier,
      { signal: input.signal },
    );
    // Slack's errors are HTTP 200 with {ok:false}; oauth4webapi would only see a missing access_token.
    const peek: unknown = await res.clone().json().catch(() => undefined);
    if (res.ok && typeof peek === "object" && peek !== null && (peek as { ok?: unknown }).ok === false) {
      throw new ProviderRejectedError("slack", `slack: ${String((peek as { error?: unknown }).error)}`);
    }
    const tokens = await oauth.processAuthorizationCodeResponse(SLACK_AS, this.#client, res, {
      expectedNonce: input.nonce,
      requireIdToken: true,
    });
    await oauth.validateApplicationLevelSignature(SLACK_AS, res, { signal: input.signal });
    const claims = Claims.safeParse(oauth.getValidatedIdTokenClaims(tokens));
    if (!claims.success) throw new ProviderRejectedError("slack", "ID token lacks Slack claims", { cause: claims.error });
    const cl = claims.data;
    const verified = cl.email_verified === true && !!cl.email;
    return {
      provider: "slack",
      // OIDC guarantees `sub` is unique and never reassigned at its issuer.
      subject: cl.sub,
      username: cl.name ?? cl["https://slack.com/user_id"] ?? cl.sub,
      email: verified ? cl.email : undefined,
      emailVerified: verified,
      avatar: cl.picture,
      facts: {
        provider: "slack",
        team: cl["https://slack.com/team_id"],
        enterprise: cl["https://slack.com/enterprise_id"] || undefined,
        teamName: cl["https://slack.com/team_name"],
      },
      tokens: {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresAt: tokens.expires_in ? Math.floor(Date.now() / 1000) + tokens.expires_in : undefined,
        scope: tokens.scope ?? SLACK_SCOPES.join(" "),
      },
    };
  }
}
