/**
 * `urn:authbridge:token-type:slack`: a Slack bot or user token, checked with `auth.test`. Slack answers
 * errors as HTTP 200 `{ ok: false, error }`; the error name says whether the token is bad or Slack is.
 *
 * Subjects (provider "slack"), never equal to a person's Sign-in-with-Slack subject (the bare user id):
 * `bot:<team id>:<bot id>` for bot tokens, `user:<team id>:<user id>` for user tokens. The team is part of
 * the key because one bot or user of an Enterprise Grid org can hold tokens for several workspaces, and
 * each workspace has its own facts.
 */
import { z } from "zod";
import { ProviderRejectedError } from "../../providers/provider";
import { DependencyUnavailableError } from "../errors";
import { fetchPlatform } from "../../providers/fetch";
import type { CredentialVerifier } from "./types";

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

/** `auth.test` errors that mean Slack, not the token, is the problem. */
const OUTAGE_ERRORS = new Set(["ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"]);

/**
 * Verify a Slack token with `auth.test`.
 * @example const { identity } = await verifySlack("xoxb-…", ctx);
 */
export const verifySlack: CredentialVerifier = async (token, ctx) => {
  const { data } = await fetchPlatform("slack", "https://slack.com/api/auth.test", AuthTest, { token, method: "POST", signal: ctx.signal });
  if (!data.ok) {
    if (OUTAGE_ERRORS.has(data.error)) throw new DependencyUnavailableError("provider", `slack: ${data.error}`);
    throw new ProviderRejectedError("slack", `slack refused the token (${data.error})`);
  }
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
