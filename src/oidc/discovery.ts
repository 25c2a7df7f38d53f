/**
 * OpenID Connect Discovery 1.0: the OpenID Provider fields of the metadata document, one of its parts.
 * `metadataRoutes` (oauth/metadata.ts) serves the one document at `/.well-known/openid-configuration` as
 * well as at the RFC 8414 path, so a client discovering either way sees one server.
 */
import type { MetadataPart } from "../oauth/metadata";
import { PERSON_CLAIMS } from "./claims";
import { ID_TOKEN_ALGS } from "./id-token";
import { END_SESSION_PATH } from "./logout";
import { IDENTITY_SCOPES } from "./scopes";

/** The claims an ID token or UserInfo may carry. */
const CLAIMS = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", ...PERSON_CLAIMS];

/**
 * The OpenID Provider fields, as one metadata part.
 * @example parts.push(openIdMetadata(issuer));
 */
export function openIdMetadata(issuer: string): MetadataPart {
  return {
    userinfo_endpoint: `${issuer}/userinfo`,
    end_session_endpoint: `${issuer}${END_SESSION_PATH}`,
    scopes_supported: [...IDENTITY_SCOPES],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [...ID_TOKEN_ALGS],
    // A client that registers one of these gets UserInfo as a JWT signed with it (oidc/signed-userinfo.ts).
    userinfo_signing_alg_values_supported: [...ID_TOKEN_ALGS],
    claims_supported: CLAIMS,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ["none", "login", "consent", "select_account"],
  };
}
