/**
 * Access tokens: RFC 9068 JWTs (`typ: at+jwt`) signed with the current key. Claims are assembled here
 * only, so every grant issues the same shape.
 */
import { newId } from "../lib/ids";
import { signJwt } from "./jwt-sign";
import type { KeyRing } from "./keys";

/** What a grant decided to put in an access token. */
export interface AccessGrant {
  /** Account id, or the client id for client_credentials. */
  sub: string;
  clientId: string;
  scopes: string[];
  roles: string[];
  /** Session id (user tokens only). */
  sid?: string | undefined;
  /** The grant (refresh family) the token belongs to, so revoking the grant revokes it too. */
  grantId?: string | undefined;
  aud: string;
}

/** A signed access token and the facts callers need about it. */
export interface SignedAccessToken {
  token: string;
  jti: string;
  iat: number;
  exp: number;
  scope: string;
}

/** Space-separated, sorted, de-duplicated scope string (stable, so equal grants give equal tokens). */
export function scopeString(scopes: Iterable<string>): string {
  return [...new Set(scopes)].sort().join(" ");
}

/**
 * Sign an access token. `iat` and `jti` may be fixed by the caller so that a retried refresh inside the
 * grace window gets byte-identical answers (Ed25519 signatures are deterministic).
 * @example const at = await signAccessToken(keys, { issuer, ttl: 600 }, grant);
 */
export async function signAccessToken(
  keys: KeyRing,
  opts: { issuer: string; ttl: number; iat?: number; jti?: string },
  grant: AccessGrant,
): Promise<SignedAccessToken> {
  const key = await keys.current();
  const iat = opts.iat ?? Math.floor(Date.now() / 1000);
  const exp = iat + opts.ttl;
  const jti = opts.jti ?? newId("jti");
  const scope = scopeString(grant.scopes);
  // Claim order is fixed, so equal grants give byte-identical tokens (retries in the grace window).
  const claims = {
    iss: opts.issuer,
    sub: grant.sub,
    aud: grant.aud,
    exp,
    iat,
    jti,
    client_id: grant.clientId,
    scope,
    roles: [...new Set(grant.roles)].sort(),
    ...(grant.sid ? { sid: grant.sid } : {}),
    ...(grant.grantId ? { gid: grant.grantId } : {}),
  };
  const token = await signJwt({ alg: key.alg, kid: key.kid, typ: "at+jwt" }, claims, key.privateKey);
  return { token, jti, iat, exp, scope };
}
