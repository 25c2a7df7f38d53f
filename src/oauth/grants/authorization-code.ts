/**
 * The `authorization_code` grant: one take-once of the code, PKCE S256, the exact redirect_uri (when the
 * authorization request named one), the same client, and no revocation of the session or account since
 * the code was authorized; then an access token and the first refresh token of a new family. A replayed
 * code revokes what the first redemption issued.
 *
 * A `resource` sent here (RFC 8707 §2.2) must be the one the code was issued for; the token's scopes are
 * asked ∩ entitled ∩ what the client may get ∩ what that resource understands (when it is registered).
 * A grant that asked for `openid` (and may have it) also gets an ID token (oidc/issue.ts); identity scopes
 * asked for count as entitled (oidc/scopes.ts).
 */
import type { SubjectEntitlements } from "../../domain";
import type { AppDeps } from "../../deps";
import { OAuthError } from "../../errors";
import { resourceLookup } from "../../resources/lookup";
import { withinResource } from "../../resources/resource";
import { effectiveScopes } from "../../rules/evaluate";
import type { Services } from "../../services";
import { signAccessToken } from "../../tokens/access";
import { prepareIdToken, type PreparedIdToken } from "../../oidc/issue";
import { isOpenIdGrant, withAskedIdentityScopes } from "../../oidc/scopes";
import { codeRevoked, rememberRedeemed, restoreCode, revokeReplayed, takeCode } from "../codes";
import { verifyPkce } from "../pkce";
import type { GrantHandler } from "../token";
import { defineGrant } from "./grant";

/** What the grant needs besides the app: the refresh service and the entitlements hook. */
export interface AuthorizationCodeOptions {
  services: Services;
  entitlements: SubjectEntitlements;
}

/**
 * Build the handler for `grant_type=authorization_code`.
 * @example tokenRoutes(deps, { authorization_code: authorizationCodeGrant(deps, { services, entitlements }) })
 */
export function authorizationCodeGrant(deps: AppDeps, { services, entitlements }: AuthorizationCodeOptions): GrantHandler {
  const parameters = { required: ["code", "code_verifier"], optional: ["redirect_uri"] } as const;
  return defineGrant(parameters, async ({ params, resources, caller }) => {
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
    if (resources.length > 1) throw new OAuthError("invalid_target", "one resource per token");
    const grant = await takeCode(deps, code);
    if (!grant) {
      await revokeReplayed(deps, code);
      throw new OAuthError("invalid_grant", "the authorization code is invalid, expired or already used");
    }
    if (grant.clientId !== caller.client.id) throw new OAuthError("invalid_grant", "the code was issued to another client");
    if (redirectUri === undefined ? grant.redirectUriSent : redirectUri !== grant.redirectUri)
      throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
    if (!(await verifyPkce(verifier, grant.codeChallenge))) throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
    // A logout, session revoke or block after the person authorized voids the code (it stays spent).
    if (await codeRevoked(deps, grant)) throw new OAuthError("invalid_grant", "the authorization was revoked");
    // Checked after the code was spent: a wrong resource costs the client its code, like any bad redemption.
    if (resources.length === 1 && resources[0] !== grant.aud) throw new OAuthError("invalid_target", "the resource is not the one the code was issued for");

    const now = deps.now();
    let current;
    let resource;
    try {
      [current, resource] = await Promise.all([entitlements(grant.accountId), resourceLookup(deps)(grant.aud)]);
    } catch (err) {
      await restoreCode(deps, code, grant); // nothing was issued: the client may try again while the code lives
      throw err;
    }
    // Asked ∩ entitled ∩ what the client may get (an empty client list means no client restriction).
    const client = caller.client;
    const granted = effectiveScopes(grant.scopes, withAskedIdentityScopes(current.scopes ?? grant.scopes, grant.scopes), client.scopes.length > 0 ? client.scopes : null);
    const scopes = withinResource(granted, resource);
    let idToken: PreparedIdToken | undefined;
    if (isOpenIdGrant(granted)) {
      const authTime = grant.authTime ?? grant.authAt;
      try {
        idToken = await prepareIdToken(deps, { accountId: grant.accountId, clientId: grant.clientId, sid: grant.sid, scopes: granted, roles: current.roles, authTime, nonce: grant.nonce });
      } catch (err) {
        await restoreCode(deps, code, grant);
        throw err;
      }
    }
    const withRefresh = caller.client.grants.includes("refresh_token");
    const rt = withRefresh
      ? // The family keeps what was asked for and when it was authorized; each refresh applies the
        // entitlements of that moment.
        await services.refresh.issue({ clientId: grant.clientId, sub: grant.accountId, sid: grant.sid, grant: { scopes: grant.scopes, aud: grant.aud, ...(grant.authTime !== undefined ? { authTime: grant.authTime } : {}) }, authAt: grant.authAt, now })
      : undefined;
    const access = await signAccessToken(
      deps.keys,
      { issuer: deps.config.issuer, ttl: deps.config.accessTokenTtl, iat: Math.floor(now / 1000) },
      { sub: grant.accountId, clientId: grant.clientId, scopes, roles: current.roles, sid: grant.sid, grantId: rt?.record.family, aud: grant.aud },
    );
    await rememberRedeemed(deps, code, { family: rt?.record.family ?? "none", jti: access.jti, accessExp: access.exp, refreshExp: rt?.record.exp ?? access.exp });
    return { access, refreshToken: rt?.token, idToken: await idToken?.sign(access.token, access.iat) };
  });
}
