/**
 * Credential type `slack` (token exchange): a Slack bot or user token, checked with `auth.test`; and the
 * re-fetch of a person's facts with the user token of Sign in with Slack.
 *
 * Subjects of checked credentials (provider "slack"), never equal to a person's Sign-in-with-Slack
 * subject (the bare user id): `bot:<team id>:<bot id>` for bot tokens, `user:<team id>:<user id>` for user
 * tokens. The team is part of the key because one bot or user of an Enterprise Grid org can hold tokens
 * for several workspaces, and each workspace has its own facts.
 *
 * Re-fetch: the Sign in with Slack user token's one useful API is `openid.connect.userInfo`, which answers
 * the same claims as the ID token (team, enterprise). Workspace membership is what the rules match, and a
 * person removed from a workspace (or whose token was revoked) gets `{ok:false}` there, so we re-fetch
 * rather than treat Slack facts as stable.
 */
import { z } from "zod";
import { ProviderRejectedError, type CredentialCheck, type ProviderFacts } from "../../src/domain";
import { fetchPlatform, type PlatformCallObserver } from "../fetch";
import { SLACK_AS, slackError } from "./api";

const AuthTest = z.union([
  z.object({
    ok: z.literal(true),
    team_id: z.string().min(1),
    user_id: z.string().min(1),
    team: z.string().nullish(),
    user: z.string().nullish(),
    bot_id: z.string().min(1).nullish(),
    enterprise_id: z.string().nullish(),
    app_id: z.string().nullish(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/**
 * The check of a Slack token with `auth.test`.
 * @example const { identity } = await slackTokenCheck(observe)("xoxb-…", ctx);
 */
export const slackTokenCheck = (observe?: PlatformCallObserver): CredentialCheck => async (token, ctx) => {
  const { data } = await fetchPlatform("slack", "https://slack.com/api/auth.test", AuthTest, { token, method: "POST", signal: ctx.signal, observe });
  if (!data.ok) throw slackError(data.error, { outage: `slack: ${data.error}`, refused: `slack refused the token (${data.error})` });
  const bot = data.bot_id ?? undefined;
  return {
    identity: {
      provider: "slack",
      subject: bot ? `bot:${data.team_id}:${bot}` : `user:${data.team_id}:${data.user_id}`,
      username: data.user || (bot ?? data.user_id),
      emailVerified: false,
      facts: {
        provider: "slack",
        team: data.team_id,
        enterprise: data.enterprise_id || undefined,
        teamName: data.team || undefined,
        appId: data.app_id || undefined,
      },
    },
  };
};

const UserInfo = z.union([
  z.object({
    ok: z.literal(true),
    sub: z.string().min(1),
    "https://slack.com/team_id": z.string().min(1),
    "https://slack.com/enterprise_id": z.string().optional(),
    "https://slack.com/team_name": z.string().optional(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/**
 * A person's current Slack facts from `openid.connect.userInfo` with their stored user token.
 * @example const facts = await refetchSlackFacts(token, "U0123", signal, observe);
 */
export async function refetchSlackFacts(token: string, subject: string, signal: AbortSignal, observe?: PlatformCallObserver): Promise<ProviderFacts> {
  const { data: info } = await fetchPlatform("slack", SLACK_AS.userinfo_endpoint ?? "", UserInfo, { token, signal, method: "POST", observe });
  if (!info.ok) throw slackError(info.error, { outage: `slack answered ${info.error}`, refused: `slack refused the stored token (${info.error})` });
  // The token is sealed to this identity's row; a different subject means the row is not to be trusted.
  if (info.sub !== subject) throw new ProviderRejectedError("slack", "slack answered for another user");
  return {
    provider: "slack",
    team: info["https://slack.com/team_id"],
    enterprise: info["https://slack.com/enterprise_id"] || undefined,
    teamName: info["https://slack.com/team_name"],
  };
}
