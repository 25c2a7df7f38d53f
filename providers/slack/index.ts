/**
 * The Slack platform: Sign in with Slack (when configured), facts re-fetch with the stored user token,
 * refresh of rotating tokens, and the check of `slack` (bot and user token) credentials.
 */
import type { Platform } from "../../src/domain";
import type { PlatformCallObserver } from "../fetch";
import { refreshPlatformTokens, type OAuthClientCredentials } from "../oauth";
import { SLACK_AS, SLACK_OUTAGE_ERRORS } from "./api";
import { SLACK_CLIENT_METADATA, SlackProvider } from "./login";
import { refetchSlackFacts, slackTokenCheck } from "./tokens";

export { SlackProvider } from "./login";
export { SLACK_AS, SLACK_SCOPES } from "./api";

// Slack's own names for "our client is refused" (besides the OAuth ones every platform shares).
const CLIENT_REFUSED = ["invalid_client_id", "bad_client_secret"];

/** Options of {@link slackPlatform}. */
export interface SlackPlatformOptions {
  issuer: string;
  /** The Slack app; without it there is no login and no token refresh. */
  client?: OAuthClientCredentials | undefined;
  /** Told about each Slack API call (metrics). */
  observe?: PlatformCallObserver | undefined;
}

/**
 * Declare the Slack platform.
 * @example const slack = slackPlatform({ issuer, client });
 */
export function slackPlatform(opts: SlackPlatformOptions): Platform {
  const { client, issuer, observe } = opts;
  return {
    id: "slack",
    login: client ? new SlackProvider({ ...client, issuer }) : undefined,
    refetchFacts: (token, subject, signal) => refetchSlackFacts(token, subject, signal, observe),
    refreshTokens: client
      ? (stored, nowMs, signal) =>
          refreshPlatformTokens(
            { provider: "slack", as: SLACK_AS, client, metadata: SLACK_CLIENT_METADATA, notTheUsersFault: [...SLACK_OUTAGE_ERRORS, ...CLIENT_REFUSED] },
            stored,
            nowMs,
            signal,
          )
      : undefined,
    checkCredential: { slack: slackTokenCheck(observe) },
  };
}
