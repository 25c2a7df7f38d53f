/**
 * Choosing the target of a person's token with sign-ins in mind: as `chooseTarget` (oauth/audience.ts),
 * and when that refuses a third-party client the default audience, a request asking only for identity
 * scopes gets the sign-in target instead (sign-in-target.ts): its tokens carry identity scopes only.
 */
import type { Client } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { chooseTarget, type Target } from "../oauth/audience";
import { isSignInOnly, signInResource } from "./sign-in-target";

/**
 * The target of an authorization or a refresh that asked for `scopes`.
 * @example const target = await choosePersonTarget(deps, client, q.resource ?? [], asked);
 */
export async function choosePersonTarget(deps: Pick<AppDeps, "db" | "config" | "now">, client: Client, requested: readonly string[], scopes: readonly string[]): Promise<Target> {
  try {
    return await chooseTarget(deps, client, requested);
  } catch (err) {
    const aud = requested.length === 1 ? requested[0] : deps.config.audience;
    if (err instanceof OAuthError && err.code === "invalid_target" && requested.length <= 1 && aud === deps.config.audience && isSignInOnly(scopes))
      return { aud: deps.config.audience, resource: signInResource(deps.config) };
    throw err;
  }
}
