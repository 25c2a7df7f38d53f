/**
 * The `aud` of an access token: the RFC 8707 `resource` the client asked for when it may use it, else the
 * configured default audience.
 */
import type { Client } from "../clients/registry";
import { OAuthError } from "../errors";

/**
 * Pick the audience for a request.
 * @example const aud = chooseAudience(client, form.resources, config.audience);
 */
export function chooseAudience(client: Client, resources: string[], defaultAudience: string): string {
  if (resources.length === 0) return defaultAudience;
  if (resources.length > 1) throw new OAuthError("invalid_target", "one resource per token");
  const resource = resources[0]!;
  if (!URL.canParse(resource) || new URL(resource).hash) throw new OAuthError("invalid_target", "resource must be an absolute URI without a fragment");
  if (resource !== defaultAudience && !client.audiences.includes(resource))
    throw new OAuthError("invalid_target", "this client may not request that resource");
  return resource;
}
