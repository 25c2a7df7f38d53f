/**
 * The `client_credentials` grant: a confidential client gets a token for itself. Scope is what it asked
 * for ∩ what it may have (all it may have when it asks for nothing) ∩ what the target resource understands
 * (when it is a registered one); asking only for scopes it may not have is `invalid_scope` (RFC 6749 §5.2),
 * not an empty token. No refresh token; `sub` = client id.
 */
import type { AppDeps } from "../../deps";
import { OAuthError } from "../../errors";
import { signAccessToken } from "../../tokens/access";
import { chooseOwnTarget, scopesForTarget } from "../audience";
import { parseScope } from "../form";
import type { GrantHandler } from "../token";
import { defineGrant } from "./grant";

/**
 * Build the handler for `grant_type=client_credentials` (it needs nothing beyond the app).
 * @example tokenRoutes(deps, { client_credentials: clientCredentialsGrant(deps) })
 */
export function clientCredentialsGrant(deps: AppDeps): GrantHandler {
  return defineGrant({ required: [], optional: ["scope"] }, async ({ params, resources, caller }) => {
    const { client } = caller;
    const requested = parseScope(params.scope);
    const target = await chooseOwnTarget(deps, client, resources);
    const aud = target.aud;
    const scopes = scopesForTarget(requested.length === 0 ? client.scopes : requested.filter((s) => client.scopes.includes(s)), target);
    if (requested.length > 0 && scopes.length === 0) throw new OAuthError("invalid_scope", "none of the requested scopes may be granted to this client for this resource");
    const access = await signAccessToken(
      deps.keys,
      { issuer: deps.config.issuer, ttl: deps.config.accessTokenTtl, iat: Math.floor(deps.now() / 1000) },
      { sub: client.id, clientId: client.id, scopes, roles: [], aud },
    );
    return { access };
  });
}
