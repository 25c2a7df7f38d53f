/**
 * Slack's endpoints and what every Slack capability shares: one declaration of its OpenID Connect
 * authorization server, and the one list of error names that mean "Slack, not the token, is the
 * problem" (Slack answers API errors as HTTP 200 `{ ok: false, error }`).
 */
import type * as oauth from "oauth4webapi";
import { ProviderRejectedError } from "../../src/domain";
import { DependencyUnavailableError } from "../../src/errors";

/** Slack's OpenID Connect endpoints (static: no discovery round trip per login). */
export const SLACK_AS: oauth.AuthorizationServer = {
  issuer: "https://slack.com",
  authorization_endpoint: "https://slack.com/openid/connect/authorize",
  token_endpoint: "https://slack.com/api/openid.connect.token",
  userinfo_endpoint: "https://slack.com/api/openid.connect.userInfo",
  jwks_uri: "https://slack.com/openid/connect/keys",
  id_token_signing_alg_values_supported: ["RS256"],
};

/** Scopes of Sign in with Slack. */
export const SLACK_SCOPES = ["openid", "email", "profile"] as const;

/** Slack error names (HTTP 200) that mean "try later", not "this token is dead". */
export const SLACK_OUTAGE_ERRORS: readonly string[] = ["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

/**
 * The error to throw for a Slack `{ok: false, error}` answer: an outage for {@link SLACK_OUTAGE_ERRORS},
 * else a refusal of the token.
 * @example if (!data.ok) throw slackError(data.error, { outage: `slack: ${data.error}`, refused: `slack refused the token (${data.error})` });
 */
export function slackError(error: string, messages: { outage: string; refused: string }): Error {
  if (SLACK_OUTAGE_ERRORS.includes(error)) return new DependencyUnavailableError("provider", messages.outage);
  return new ProviderRejectedError("slack", messages.refused);
}
