/**
 * Signed UserInfo answers (OpenID Connect Core §5.3.2), for clients that registered
 * `userinfo_signed_response_alg`: the JSON answer's claims plus `iss`, `aud` (the client) and `iat`, as a
 * JWS signed by the key ring's current key of that algorithm — the same keys ID tokens use, published in
 * the JWKS. Its header `typ` is `JWT`, never `at+jwt`: every verifier of access tokens requires `at+jwt`
 * (RFC 9068 §4), so an answer can never pass as an access token. It has no `exp` nor `auth_time`, which
 * every ID token has, so it is no ID token either (nor an `id_token_hint`: oidc/id-token-hint.ts).
 */
import { SignJWT } from "jose";
import type { KeyRing } from "../tokens/keys";
import type { IdTokenAlg } from "./id-token";
import type { UserinfoClaims } from "./userinfo";

/** The media type of a signed answer. */
export const SIGNED_USERINFO_TYPE = "application/jwt";

/** The `typ` header: the generic JWT type (RFC 7519 §5.1), as ID tokens have. */
const JWT_TYPE = "JWT";

/** Who signs and for whom. */
export interface SignedUserinfoOptions {
  keys: Pick<KeyRing, "currentFor">;
  issuer: string;
  /** The access token's client: the `aud`. */
  clientId: string;
  alg: IdTokenAlg;
  /** Epoch seconds. */
  iat: number;
}

/**
 * Sign a UserInfo answer.
 * @example const jwt = await signUserinfo(claims, { keys: deps.keys, issuer, clientId: token.client_id, alg: "ES256", iat });
 */
export async function signUserinfo(claims: UserinfoClaims, o: SignedUserinfoOptions): Promise<string> {
  const key = await o.keys.currentFor(o.alg);
  return new SignJWT({ ...claims, iss: o.issuer, aud: o.clientId, iat: o.iat }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: JWT_TYPE }).sign(key.privateKey);
}
