/**
 * The `refresh_token` grant: one atomic rotation in the store, then a new access token. A retry inside the
 * grace window gets the same successor and the same access token (same `iat` and `jti`); any other replay
 * revoked the family in that same store call, and is recorded in the audit log.
 *
 * The family keeps its resource (`aud`): a `resource` sent with a refresh must be that one (RFC 8707 §2.2),
 * the audience must still be one the client may ask for (a removed resource stops refreshing), and the
 * scopes stay within what the resource understands now.
 *
 * A family that asked for `openid` keeps getting ID tokens: the same `sub` and `auth_time`, the claims and
 * `groups` of now, no `nonce` (OpenID Connect Core §12.2).
 */
import { recordAudit } from "../../audit";
import type { AppDeps } from "../../deps";
import type { SubjectEntitlements } from "../../domain";
import { OAuthError } from "../../errors";
import { effectiveScopes } from "../../rules/evaluate";
import type { Services } from "../../services";
import type { Rotation } from "../../tokens/refresh";
import { authorizedAtMs } from "../../store/store";
import { signAccessToken } from "../../tokens/access";
import { prepareIdToken } from "../../oidc/issue";
import { isOpenIdGrant, withAskedIdentityScopes } from "../../oidc/scopes";
import { choosePersonTarget } from "../../oidc/target";
import { scopesForTarget } from "../audience";
import { parseScope } from "../form";
import type { GrantHandler } from "../token";
import { defineGrant, type IssuedTokens } from "./grant";

/** What the grant needs besides the app: the refresh service and the entitlements hook. */
export interface RefreshTokenOptions {
  services: Services;
  entitlements: SubjectEntitlements;
}

/**
 * Build the handler for `grant_type=refresh_token`.
 * @example tokenRoutes(deps, { refresh_token: refreshTokenGrant(deps, { services, entitlements }) })
 */
export function refreshTokenGrant(deps: AppDeps, { services, entitlements }: RefreshTokenOptions): GrantHandler {
  const parameters = { required: ["refresh_token"], optional: ["scope"] } as const;
  return defineGrant(parameters, async ({ params, resources, caller }) => {
    const presented = params.refresh_token;
    if (resources.length > 1) throw new OAuthError("invalid_target", "one resource per token");
    const requested = parseScope(params.scope);
    const now = deps.now();
    const r = await services.refresh.rotate(presented, caller.client.id, now);
    if (!r.ok) {
      if (r.outcome === "reuse" && r.record) {
        await recordAudit(deps.db, { type: "refresh.reuse_detected", actor: caller.client.id, subject: r.record.sub, detail: { family: r.record.family, sid: r.record.sid } }, now);
      }
      throw new OAuthError("invalid_grant", "the refresh token is invalid, expired or revoked");
    }
    try {
      return await answer(r);
    } catch (err) {
      // Nothing was issued (a scope the family never had, entitlements that could not be refreshed, …):
      // the client may use the same token again, even after the grace window — unless someone was handed
      // the successor meanwhile (a retry), which the store's compare-and-set refuses to undo.
      if (r.outcome === "rotated") await services.refresh.restore(presented, now);
      throw err;
    }

    async function answer(r: Extract<Rotation, { ok: true }>): Promise<IssuedTokens> {
      if (resources.length === 1 && resources[0] !== r.grant.aud) throw new OAuthError("invalid_target", "the resource is not the one this refresh token was issued for");
      let target;
      try {
        target = await choosePersonTarget(deps, caller.client, [r.grant.aud], r.grant.scopes);
      } catch (err) {
        if (err instanceof OAuthError) throw new OAuthError("invalid_grant", "the resource of this refresh token is no longer served", { cause: err });
        throw err;
      }
      const granted = r.grant.scopes;
      if (granted.length > 0 && requested.some((s) => !granted.includes(s)))
        throw new OAuthError("invalid_scope", "a refresh cannot add scopes that were not granted");
      const asked = requested.length > 0 ? requested : granted;
      // The rotation brought back the subject's published entitlements: the hook uses them while fresh.
      const current = await entitlements(r.record.sub, r.entitlements);
      const { client } = caller;
      // Entitlements are re-applied on every refresh: scopes lost upstream go, newly earned ones (within
      // what was asked for) arrive. A client acting for itself has no entitlements to apply.
      const allowed = effectiveScopes(asked, withAskedIdentityScopes(current.scopes ?? asked, asked), client.scopes.length > 0 ? client.scopes : null);
      const scopes = scopesForTarget(allowed, target);
      // Read before anything is signed: a failure here is restored like any other.
      const idToken = isOpenIdGrant(allowed)
        ? await prepareIdToken(deps, { accountId: r.record.sub, clientId: r.record.clientId, sid: r.record.sid, scopes: allowed, roles: current.roles, authTime: r.grant.authTime ?? authorizedAtMs(r.record) })
        : undefined;
      // The rotation's own iat and jti: a retry inside the grace window gets a byte-identical answer.
      const access = await signAccessToken(
        deps.keys,
        { issuer: deps.config.issuer, ttl: deps.config.accessTokenTtl, iat: r.issuedAt, jti: r.jti },
        { sub: r.record.sub, clientId: r.record.clientId, scopes, roles: current.roles, sid: r.record.sid, grantId: r.record.family, aud: r.grant.aud },
      );
      return { access, refreshToken: r.token, idToken: await idToken?.sign(access.token, access.iat) };
    }
  });
}
