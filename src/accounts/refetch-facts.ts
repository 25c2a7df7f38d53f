/**
 * Fetching an identity's rules-relevant facts again with its stored user token (entitlement re-sync).
 *
 * Slack: Sign in with Slack gives a user token whose one useful API is `openid.connect.userInfo`, which
 * answers the same claims as the ID token (team, enterprise). Workspace membership is what the rules match,
 * and a person removed from a workspace (or whose token was revoked) gets `{ok:false}` there, so we re-fetch
 * rather than treat Slack facts as stable.
 */
import { z } from "zod";
import { fetchDiscordFacts } from "../../providers/discord";
import { fetchGitHubFacts } from "../../providers/github";
import { fetchProviderJson, ProviderRejectedError, type ProviderFacts } from "../../providers/provider";
import { SLACK_AS } from "../../providers/slack";
import { DependencyUnavailableError } from "../errors";

/** Platforms whose facts a stored user token can re-fetch. */
export type ResyncProvider = "github" | "discord" | "slack";

/** True for the providers {@link refetchFacts} handles (not `dev`, `github-actions` or unknown ones). */
export function isResyncProvider(p: string): p is ResyncProvider {
  return p === "github" || p === "discord" || p === "slack";
}

const SlackUserInfo = z.union([
  z.object({
    ok: z.literal(true),
    sub: z.string().min(1),
    "https://slack.com/team_id": z.string().min(1),
    "https://slack.com/enterprise_id": z.string().optional(),
    "https://slack.com/team_name": z.string().optional(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

// Slack errors (HTTP 200) that mean "try later", not "this token is dead".
const SLACK_TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

async function slackFacts(token: string, subject: string, signal: AbortSignal): Promise<ProviderFacts> {
  const info = await fetchProviderJson("slack", SLACK_AS.userinfo_endpoint ?? "", SlackUserInfo, { token, signal, method: "POST" });
  if (!info.ok) {
    if (SLACK_TRANSIENT.has(info.error)) throw new DependencyUnavailableError("provider", `slack answered ${info.error}`);
    throw new ProviderRejectedError("slack", `slack refused the stored token (${info.error})`);
  }
  // The token is sealed to this identity's row; a different subject means the row is not to be trusted.
  if (info.sub !== subject) throw new ProviderRejectedError("slack", "slack answered for another user");
  return {
    provider: "slack",
    team: info["https://slack.com/team_id"],
    enterprise: info["https://slack.com/enterprise_id"] || undefined,
    teamName: info["https://slack.com/team_name"],
  };
}

/**
 * The identity's current facts from its platform. Throws {@link ProviderRejectedError} when the platform
 * refuses the token, `DependencyUnavailableError` when it does not answer (or not usefully).
 * @example const facts = await refetchFacts("github", token, "4242", { discordGuilds: [] }, signal);
 */
export async function refetchFacts(
  provider: ResyncProvider,
  token: string,
  subject: string,
  opts: { discordGuilds: readonly string[] },
  signal: AbortSignal,
): Promise<ProviderFacts> {
  switch (provider) {
    case "github":
      return { provider: "github", ...(await fetchGitHubFacts(token, signal)) };
    case "discord":
      return { provider: "discord", ...(await fetchDiscordFacts(token, opts.discordGuilds, signal)) };
    case "slack":
      return slackFacts(token, subject, signal);
  }
}
