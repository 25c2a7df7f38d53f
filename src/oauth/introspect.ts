/**
 * `POST /introspect` (RFC 7662) for confidential clients. Anything invalid, expired or revoked — by `jti`,
 * grant, session, account block, or a disabled client — is `{ "active": false }` and nothing more.
 *
 * API keys (`abk_…`) are answered with `token_type: "api_key"` and their effective scopes right now.
 *
 * Who may learn about a token (RFC 7662 §4: the endpoint must not become a token oracle): the client it
 * was issued to, and — for access tokens — resource servers the operator allowed to introspect the
 * token's audience (`clients create … --introspect AUDIENCE`). To anyone else every token is inactive.
 */
import type { ApiKeyChecker } from "../apikeys/check";
import type { ApiKey } from "../apikeys/registry";
import { refusalError } from "../apikeys/refusal";
import { looksLikeApiKey } from "../apikeys/format";
import { isExpiredDynamicClient } from "../clients/dynamic";
import { isMetadataDocumentId, policyAllows } from "../clients/metadata-document";
import { findClient, type Client } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { accessTokenMarkRefs, authorizedAtMs, isCoveredByMark, refreshMarkRefs } from "../store/store";
import { looksLikeRefreshToken, refreshKey, type RefreshGrant } from "../tokens/refresh";
import { verifyOwnAccessToken } from "../tokens/verify-own";
import { authenticateCaller, oauthEndpoint } from "./endpoint";
import { readForm } from "./form";

const INACTIVE = { active: false } as const;

/**
 * Whether the token's client may still hold tokens. A metadata-document client is active while the policy
 * admits its host — introspection never waits on a fetch from the client's site; a dynamically registered
 * one until it expires unused.
 */
async function clientActive(deps: AppDeps, clientId: string): Promise<boolean> {
  if (isMetadataDocumentId(clientId)) return policyAllows(deps.config.metadataDocuments, clientId);
  const client = await findClient(deps.db, clientId);
  return client !== undefined && client.disabledAt === null && !isExpiredDynamicClient(client, deps.now());
}

/** The caller may see an access token: it is the token's client, or a resource server for its audience. */
function mayIntrospect(caller: Client, clientId: string, aud: unknown): boolean {
  if (caller.id === clientId) return true;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  return audiences.some((a) => caller.introspectAudiences.includes(a));
}

async function introspectAccess(deps: AppDeps, token: string, caller: Client, now: number) {
  const claims = await verifyOwnAccessToken(deps.keys, deps.config.issuer, token, { now });
  if (!claims || !mayIntrospect(caller, claims.client_id, claims.aud)) return INACTIVE;
  const [mark, clientOk] = await Promise.all([deps.store.newestMark(accessTokenMarkRefs(claims)), clientActive(deps, claims.client_id)]);
  if (isCoveredByMark(mark, claims.iat) || !clientOk) return INACTIVE;
  return {
    active: true,
    token_type: "Bearer",
    scope: claims.scope,
    client_id: claims.client_id,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
    roles: claims.roles,
    ...(claims.sid ? { sid: claims.sid } : {}),
    ...(claims.gid ? { gid: claims.gid } : {}),
  };
}

/**
 * An API key: the owning client may learn about it, and so may any resource server (a client allowed to
 * introspect some audience): keys have no audience of their own.
 */
async function introspectApiKey(deps: AppDeps, check: ApiKeyChecker, token: string, caller: Client) {
  const mayIntrospect = (key: ApiKey) => caller.introspectAudiences.length > 0 || (key.owner.kind === "client" && key.owner.clientId === caller.id);
  const result = await check(token, mayIntrospect);
  if (!result.ok) {
    if (result.reason === "rate_limited") throw refusalError(result.reason, result.retryAt, deps.now());
    return INACTIVE;
  }
  const { access } = result;
  return {
    active: true,
    token_type: "api_key",
    scope: access.scopes.join(" "),
    sub: access.sub,
    client_id: access.clientId,
    roles: access.roles,
    iat: Math.floor(access.key.createdAt / 1000),
    ...(access.key.expiresAt !== null ? { exp: Math.floor(access.key.expiresAt / 1000) } : {}),
    key_id: access.key.id,
  };
}

async function introspectRefresh(deps: AppDeps, token: string, callerId: string, now: number) {
  const stored = await deps.store.getRefresh(await refreshKey(token));
  // Refresh tokens are the client's own business: only their client learns anything about them.
  if (!stored || stored.spentAt !== null || stored.record.clientId !== callerId) return INACTIVE;
  const { record } = stored;
  const mark = await deps.store.newestMark(refreshMarkRefs(record));
  if ((mark !== null && mark >= authorizedAtMs(record)) || record.exp * 1000 <= now) return INACTIVE;
  const grant = JSON.parse(record.data) as RefreshGrant;
  return { active: true, token_type: "refresh_token", client_id: record.clientId, sub: record.sub, scope: grant.scopes.join(" "), exp: record.exp, iat: record.iat };
}

/** Routes: `/introspect`; `apiKeys` checks API keys (absent: a key is inactive like any unknown string). */
export function introspectRoutes(deps: AppDeps, opts: { apiKeys?: ApiKeyChecker } = {}) {
  return oauthEndpoint(deps, "/introspect").post("/introspect", async (c) => {
    const form = await readForm(c);
    const caller = await authenticateCaller(c, deps, form.params);
    if (caller.method === "none") throw new OAuthError("invalid_client", "introspection needs a confidential client");
    const token = form.params.token;
    if (!token) throw new OAuthError("invalid_request", "token is required");
    const now = deps.now();
    const body = looksLikeApiKey(token)
      ? opts.apiKeys
        ? await introspectApiKey(deps, opts.apiKeys, token, caller.client)
        : INACTIVE
      : looksLikeRefreshToken(token)
        ? await introspectRefresh(deps, token, caller.client.id, now)
        : await introspectAccess(deps, token, caller.client, now);
    return c.json(body, 200, { "Cache-Control": "no-store" });
  });
}
