/**
 * `GET /userinfo`: the account behind a bearer access token — its id and linked identities (provider,
 * username, avatar). Revoked tokens, sessions and blocked accounts are refused like invalid ones.
 * A token carrying `openid` gets the OpenID Connect answer instead (oidc/userinfo.ts), also to `POST`
 * (OpenID Connect Core §5.3.1): JSON, or `application/jwt` for a client that registered
 * `userinfo_signed_response_alg`. ID tokens and signed UserInfo answers are not access tokens (`typ`) and
 * are refused like any other JWT.
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
import { SIGNED_USERINFO_TYPE } from "../oidc/signed-userinfo";
import { openIdUserinfoAnswer } from "../oidc/userinfo";

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
    if (isOpenIdGrant(scopes)) {
      const answer = await openIdUserinfoAnswer(deps, claims);
      return answer.kind === "json" ? c.json(answer.claims) : c.body(answer.jwt, 200, { "Content-Type": SIGNED_USERINFO_TYPE });
    }
    const identities = await listIdentities(deps.db, claims.sub);
    return c.json({
      sub: claims.sub,
      identities: identities.map((i) => ({ provider: i.provider, username: i.username, avatar: i.avatar })),
    });
  });
}
