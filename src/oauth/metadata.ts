/**
 * RFC 8414 authorization server metadata: the base fields (issuer, JWKS, signing algorithm) merged with
 * the parts `createApp` passes for the endpoints it mounts, built once per app.
 */
import { Hono } from "hono";
import type { Config } from "../config";
import type { AppDeps } from "../deps";

/**
 * The fields for clients the operator never met: `client_id_metadata_document_supported` when
 * AUTHBRIDGE_CIMD admits any document, `registration_endpoint` when dynamic registration is on.
 * @example parts.push(thirdPartyMetadata(deps.config));
 */
export function thirdPartyMetadata(config: Pick<Config, "issuer" | "metadataDocuments" | "dynamicRegistration">): MetadataPart {
  return {
    ...(config.metadataDocuments.mode !== "off" ? { client_id_metadata_document_supported: true } : {}),
    ...(config.dynamicRegistration ? { registration_endpoint: `${config.issuer}/register` } : {}),
  };
}

/** Metadata fields contributed by one mounted capability. */
export type MetadataPart = Record<string, string | string[] | boolean>;

/** Merge the base document with the parts of the mounted capabilities (list fields are unioned). */
export function buildMetadata(issuer: string, signingAlg: string, parts: MetadataPart[]): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    access_token_signing_alg_values_supported: [signingAlg],
  };
  for (const part of parts) {
    for (const [k, v] of Object.entries(part)) {
      const prev = doc[k];
      doc[k] = Array.isArray(prev) && Array.isArray(v) ? [...new Set([...prev, ...v])] : v;
    }
  }
  return doc;
}

/**
 * Routes: the one metadata document at `/.well-known/oauth-authorization-server` (RFC 8414) and at
 * `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0): a client discovering either way sees
 * one server.
 */
export function metadataRoutes(deps: AppDeps, parts: MetadataPart[]) {
  const doc = buildMetadata(deps.config.issuer, deps.config.signingAlg, parts);
  return new Hono().on("GET", ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"], (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(doc);
  });
}
