/**
 * `POST /revoke` (RFC 7009). The caller authenticates; a refresh token revokes its whole grant — the family
 * and every access token issued from it (RFC 7009 §2.1) — an access token is marked revoked by `jti` until
 * it expires. Tokens that are unknown, malformed or issued to another client are answered 200 and left
 * alone, as the RFC asks (nothing is revealed about them). `token_type_hint` is only a hint: an unknown
 * value is ignored (§2.1), and the token's own shape decides.
 */
import { recordAudit } from "../audit";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { looksLikeRefreshToken, refreshKey } from "../tokens/refresh";
import { verifyOwnAccessToken } from "../tokens/verify-own";
import { authenticateCaller, oauthEndpoint } from "./endpoint";
import { readForm } from "./form";

async function revokeRefresh(deps: AppDeps, token: string, clientId: string, now: number): Promise<boolean> {
  const stored = await deps.store.getRefresh(await refreshKey(token));
  if (!stored || stored.record.clientId !== clientId) return false;
  const { record } = stored;
  // The family mark also covers the grant's access tokens (their `gid`): keep it while any of them lives.
  const ttlSeconds = Math.max(1, record.exp - Math.floor(now / 1000), deps.config.accessTokenTtl + 60);
  await deps.store.revoke([{ kind: "family", id: record.family, at: now, ttlSeconds }]);
  await recordAudit(deps.db, { type: "token.revoked", actor: clientId, subject: record.sub, detail: { kind: "refresh_token", family: record.family } }, now);
  return true;
}

async function revokeAccess(deps: AppDeps, token: string, clientId: string, now: number): Promise<boolean> {
  const claims = await verifyOwnAccessToken(deps.keys, deps.config.issuer, token, { now, allowExpired: true });
  if (!claims || claims.client_id !== clientId) return false;
  const remaining = claims.exp - Math.floor(now / 1000);
  if (remaining <= 0) return false; // already dead
  await deps.store.revoke([{ kind: "jti", id: claims.jti, at: now, ttlSeconds: remaining + 60 }]);
  await recordAudit(deps.db, { type: "token.revoked", actor: clientId, subject: claims.sub, detail: { kind: "access_token", jti: claims.jti } }, now);
  return true;
}

/** Routes: `/revoke`. */
export function revokeRoutes(deps: AppDeps) {
  return oauthEndpoint(deps, "/revoke").post("/revoke", async (c) => {
    const form = await readForm(c);
    const { client } = await authenticateCaller(c, deps, form.params);
    const token = form.params.token;
    if (!token) throw new OAuthError("invalid_request", "token is required");
    const now = deps.now();
    if (looksLikeRefreshToken(token)) await revokeRefresh(deps, token, client.id, now);
    else await revokeAccess(deps, token, client.id, now);
    return c.body(null, 200, { "Cache-Control": "no-store" });
  });
}
