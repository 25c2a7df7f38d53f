/**
 * The `aud` of an access token (RFC 8707): the one `resource` the client asked for, or the default
 * audience when it named none.
 *
 * Which targets a client may ask for:
 * - a registered resource (configuration or `resources add`): any client — and then the token's scopes
 *   stay within what the resource understands, whoever asks;
 * - one of the client's own `audiences` (set per client by an operator, or a developer within the
 *   registry's rules): that client, with no narrowing beyond its own scopes — unless the audience is also
 *   a registered resource, which then narrows as above;
 * - the default audience (AUTHBRIDGE_AUDIENCE): any client acting for itself ({@link chooseOwnTarget}:
 *   client credentials, token exchange); for a person, first-party clients. A third-party client reaches it
 *   for a person only when it is itself a registered resource (or for a sign-in: oidc/target.ts), so an app
 *   the operator never saw never gets a person's token whose scopes no resource declared.
 * Anything else is `invalid_target`. Matching is exact string equality: a resource at
 * `https://api.example.com/mcp` is not `https://api.example.com/`, and no normalisation is applied.
 */
import { isFirstParty, type Client } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { resourceLookup } from "../resources/lookup";
import { withinResource, type Resource } from "../resources/resource";

/** The audience a token is for, and the registered resource behind it (undefined when not registered). */
export interface Target {
  aud: string;
  resource: Resource | undefined;
}

/**
 * The target of a token acting for a person through `client` (the code flow and its refreshes):
 * `requested` holds every `resource` value sent (RFC 8707 allows repeats; we issue one audience per token).
 * `client` null: a caller with no client (a personal API key on its own).
 * @example const target = await chooseTarget(deps, client, q.resource ?? []);
 */
export function chooseTarget(deps: Pick<AppDeps, "db" | "config" | "now">, client: Client | null, requested: readonly string[]): Promise<Target> {
  return pickTarget(deps, client, requested, true);
}

/**
 * The target of a token a client gets for itself, no person involved (client credentials, token exchange,
 * API key exchange): as {@link chooseTarget}, but the default audience is open to any client — nobody's
 * consent is at stake, and the client's own scopes already bound what it gets.
 * @example const target = await chooseOwnTarget(deps, client, resources);
 */
export function chooseOwnTarget(deps: Pick<AppDeps, "db" | "config" | "now">, client: Client | null, requested: readonly string[]): Promise<Target> {
  return pickTarget(deps, client, requested, false);
}

async function pickTarget(
  deps: Pick<AppDeps, "db" | "config" | "now">,
  client: Client | null,
  requested: readonly string[],
  forPerson: boolean,
): Promise<Target> {
  if (requested.length > 1) throw new OAuthError("invalid_target", "one resource per token");
  const { audience: defaultAudience } = deps.config;
  const asked = requested[0];
  const aud = asked ?? defaultAudience;
  if (asked !== undefined && (!URL.canParse(asked) || asked.includes("#"))) throw new OAuthError("invalid_target", "resource must be an absolute URI without a fragment");
  const resource = await resourceLookup(deps)(aud);
  if (resource) return { aud, resource };
  const defaultAllowed = client === null || !forPerson || isFirstParty(client);
  if (aud === defaultAudience && defaultAllowed) return { aud, resource: undefined };
  if (client && client.audiences.includes(aud)) return { aud, resource: undefined };
  if (asked === undefined) throw new OAuthError("invalid_target", "name the API this token is for with the resource parameter (RFC 8707)");
  throw new OAuthError("invalid_target", client === null ? "unknown resource" : "unknown resource, or one this client may not request");
}

/**
 * Scopes narrowed to what the target's registered resource understands (all of them when it has none).
 * @example const scopes = scopesForTarget(asked, target);
 */
export function scopesForTarget(scopes: readonly string[], target: Target): string[] {
  return withinResource(scopes, target.resource);
}
