/**
 * Verifying our own access tokens (for revocation, introspection and userinfo): signature by a published
 * key, `typ: at+jwt`, our issuer, and the algorithms we sign with. Expiry is checked by the caller's choice.
 */
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import type { KeyRing } from "./keys";

/** Claims of our access tokens (RFC 9068). */
export interface AccessClaims extends JWTPayload {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  client_id: string;
  scope: string;
  roles: string[];
  sid?: string;
  /** The grant (refresh family) the token was issued from. */
  gid?: string;
}

function isAccessClaims(p: JWTPayload): p is AccessClaims {
  return (
    typeof p.sub === "string" &&
    typeof p.jti === "string" &&
    typeof p.iat === "number" &&
    typeof p.exp === "number" &&
    typeof p.client_id === "string" &&
    typeof p.scope === "string" &&
    Array.isArray(p.roles) &&
    (p.sid === undefined || typeof p.sid === "string") &&
    (p.gid === undefined || typeof p.gid === "string")
  );
}

/**
 * The claims of a valid access token of ours, or null. `allowExpired` serves revocation, where an expired
 * token simply needs no action.
 */
export async function verifyOwnAccessToken(
  keys: KeyRing,
  issuer: string,
  token: string,
  opts: { now: number; allowExpired?: boolean },
): Promise<AccessClaims | null> {
  if (token.split(".").length !== 3) return null;
  try {
    const jwks = createLocalJWKSet({ keys: await keys.publicKeys() });
    const { payload } = await jwtVerify(token, jwks, {
      issuer,
      typ: "at+jwt",
      algorithms: ["EdDSA", "ES256"],
      currentDate: new Date(opts.allowExpired ? 0 : opts.now),
      clockTolerance: opts.allowExpired ? Number.MAX_SAFE_INTEGER : 0,
    });
    return isAccessClaims(payload) ? payload : null;
  } catch {
    return null;
  }
}
