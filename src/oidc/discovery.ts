/**
 * OpenID Connect Discovery 1.0: `/.well-known/openid-configuration`. The document is built by the same
 * function from the same parts as the RFC 8414 one (oauth/metadata.ts), and the OpenID part below is one
 * of those parts, so the two documents are identical: a client discovering either way sees one server.
 */
import { Hono } from "hono";
import type { AppDeps } from "../deps";
import { buildMetadata, type MetadataPart } from "../oauth/metadata";
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

/**
 * Routes: `/.well-known/openid-configuration`, over the same parts as `metadataRoutes`.
 * @example app.route("/", openIdConfigurationRoutes(deps, parts));
 */
export function openIdConfigurationRoutes(deps: AppDeps, parts: MetadataPart[]) {
  const doc = buildMetadata(deps.config.issuer, deps.config.signingAlg, parts);
  return new Hono().get("/.well-known/openid-configuration", (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(doc);
  });
}
