/**
 * `GET /userinfo`: the account behind a bearer access token — its id and linked identities (provider,
 * username, avatar). Revoked tokens, sessions and blocked accounts are refused like invalid ones.
 * A token carrying `openid` gets the OpenID Connect answer instead (oidc/userinfo.ts), also to `POST`
 * (OpenID Connect Core §5.3.1). ID tokens are not access tokens (`typ`) and are refused like any other JWT.
 */
import { Hono } from "hono";
import { listIdentities } from "../accounts/identities";
import type { AppDeps } from "../deps";
import { BearerError } from "../errors";
import { ID_PREFIX } from "../lib/ids";
import { accessTokenMarkRefs, isCoveredByMark } from "../store/store";
import { verifyOwnAccessToken } from "../tokens/verify-own";
import { bearerToken } from "../verify/challenge";
import { isOpenIdGrant } from "../oidc/scopes";
import { openIdUserinfo } from "../oidc/userinfo";

/** Routes: `/userinfo`. */
export function userinfoRoutes(deps: AppDeps) {
  return new Hono().on(["GET", "POST"], "/userinfo", async (c) => {
    const token = bearerToken(c.req.header("authorization"));
    if (token === undefined) throw new BearerError("a bearer access token is required", "missing");
    if (token === "") throw new BearerError("the Authorization header must be Bearer and one token", "malformed");
    const now = deps.now();
    const claims = await verifyOwnAccessToken(deps.keys, deps.config.issuer, token, { now });
    if (!claims) throw new BearerError("the access token is invalid or expired");
    if (!claims.sub.startsWith(ID_PREFIX.account)) throw new BearerError("the token does not belong to an account");
    if (isCoveredByMark(await deps.store.newestMark(accessTokenMarkRefs(claims)), claims.iat)) throw new BearerError("the access token was revoked");
    c.header("Cache-Control", "no-store");
    const scopes = claims.scope.split(" ");
    if (isOpenIdGrant(scopes)) return c.json(await openIdUserinfo(deps, claims.sub, scopes, claims.roles));
    const identities = await listIdentities(deps.db, claims.sub);
    return c.json({
      sub: claims.sub,
      identities: identities.map((i) => ({ provider: i.provider, username: i.username, avatar: i.avatar })),
    });
  });
}
