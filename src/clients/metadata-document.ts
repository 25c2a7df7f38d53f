/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a `client_id` that is
 * an https URL names a JSON document, published by the client, describing it. What is checked here, with
 * no I/O: the URL (before anything is fetched), the operator's policy (AUTHBRIDGE_CIMD), the document
 * itself (zod), and how it becomes a {@link Client} — always a public, third-party one.
 */
import { z } from "zod";
import type { MetadataDocumentPolicy } from "../config";
import { isLoopbackHost } from "../lib/loopback";
import type { OidcClientSettings } from "../oidc/client-settings";
import { OidcClientMetadata, settingsFromMetadata } from "../oidc/registration-metadata";
import type { Client } from "./registry";

/** Largest document accepted (bytes): a client's metadata is a few hundred bytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024;

/**
 * Whether a client id is meant as a metadata document URL (what the lookup routes to the fetcher). Our own
 * ids are `client_…`, so nothing else starts with `https://`.
 * @example isMetadataDocumentId("https://app.example.com/oauth/client.json") // true
 */
export function isMetadataDocumentId(clientId: string): boolean {
  return clientId.startsWith("https://");
}

/** IPv4 dotted quads and bracketed IPv6 literals, as `URL#hostname` spells them. */
function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith("[");
}

/**
 * What is wrong with a client id URL, or undefined (the draft's rules, and ours): https; a path other than
 * `/`; no dot segments, fragment, credentials or query; a host name, never an IP literal or a loopback or
 * single-label name (those can only reach this machine or its network).
 */
export function clientIdUrlProblem(clientId: string): string | undefined {
  if (clientId.length > 2000) return "the client_id URL is too long";
  if (!URL.canParse(clientId)) return "the client_id is not a URL";
  const u = new URL(clientId);
  if (u.protocol !== "https:") return "the client_id URL must be https";
  // The URL parser resolves dot segments and drops an empty fragment: compare the text as sent.
  if (u.href !== clientId) return "the client_id URL must be in canonical form (lower-case host, no default port, no dot segments)";
  if (u.username || u.password) return "the client_id URL must not contain credentials";
  if (u.search || u.hash) return "the client_id URL must not have a query or fragment";
  if (u.pathname === "/") return "the client_id URL must have a path";
  if (isIpLiteral(u.hostname) || isLoopbackHost(u.hostname) || !u.hostname.includes(".") || u.hostname.endsWith(".localhost"))
    return "the client_id URL must name a public host";
  return undefined;
}

/**
 * Whether the operator's policy lets this URL be fetched at all.
 * @example policyAllows({ mode: "hosts", hosts: ["tools.example.com"] }, "https://tools.example.com/c.json") // true
 */
export function policyAllows(policy: MetadataDocumentPolicy, clientId: string): boolean {
  if (policy.mode === "off") return false;
  if (policy.mode === "any") return true;
  return URL.canParse(clientId) && policy.hosts.includes(new URL(clientId).hostname);
}

const redirectUri = z
  .string()
  .max(2000)
  .refine((u) => {
    if (!URL.canParse(u)) return false;
    const url = new URL(u);
    if (url.hash || url.username || url.password) return false;
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  }, "redirect URIs must be https, or http on a loopback address, without a fragment or credentials");

const httpsUrl = z
  .string()
  .max(2000)
  .refine((u) => URL.canParse(u) && new URL(u).protocol === "https:", "must be an https URL");

/**
 * The document, as far as we read it. Unknown members are ignored (the draft lets documents carry any
 * RFC 7591 metadata); what we do read must be right, or the whole document is refused — the OpenID
 * Connect members too (`id_token_signed_response_alg`, `userinfo_signed_response_alg`,
 * `post_logout_redirect_uris`), by the same rules as every other client's (oidc/registration-metadata.ts).
 */
export const MetadataDocument = z.object({
  client_id: z.string(),
  redirect_uris: z.array(redirectUri).min(1, "at least one redirect URI is needed").max(20),
  client_name: z.string().trim().min(1).max(200).optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
  // Only public clients: a document cannot carry a secret, and we accept no other client authentication.
  token_endpoint_auth_method: z.literal("none", { message: "only public clients (token_endpoint_auth_method none) are accepted" }).optional(),
  grant_types: z
    .array(z.enum(["authorization_code", "refresh_token"], { message: "only authorization_code and refresh_token are offered" }))
    .optional(),
  response_types: z.array(z.literal("code", { message: "only the code response type is offered" })).optional(),
  client_secret: z.never({ message: "a metadata document must not contain a client_secret" }).optional(),
  ...OidcClientMetadata.shape,
});
/** A parsed document. */
export type MetadataDocument = z.infer<typeof MetadataDocument>;

/** Why a document cannot be used (shown on the error page at /authorize, logged elsewhere). */
export class MetadataDocumentError extends Error {
  override readonly name = "MetadataDocumentError";
}

/**
 * Parse a fetched body into a document for `clientId`: JSON, the schema, and `client_id` equal to the URL
 * it was fetched from (exact string), so one site cannot speak for another.
 * @example const doc = parseMetadataDocument(url, body);
 */
export function parseMetadataDocument(clientId: string, body: string): MetadataDocument {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MetadataDocumentError("the metadata document is not JSON");
  }
  const parsed = MetadataDocument.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MetadataDocumentError(`the metadata document is invalid: ${issue.path.join(".") || "document"}: ${issue.message}`);
  }
  if (parsed.data.client_id !== clientId) throw new MetadataDocumentError("the metadata document's client_id is not the URL it was fetched from");
  return parsed.data;
}

/**
 * A metadata-document client. It has no row of its own anywhere, so its OpenID Connect settings travel
 * with it, as its document states them (read them through oidc/settings-for-client.ts).
 */
export interface DocumentClient extends Client {
  origin: "metadata-document";
  oidc: OidcClientSettings;
}

/**
 * Whether `client` was built from a metadata document (and so carries its settings).
 * @example if (isDocumentClient(client)) return client.oidc;
 */
export function isDocumentClient(client: Client): client is DocumentClient {
  return client.origin === "metadata-document" && "oidc" in client;
}

/**
 * The client a document describes: public, third-party, the code flow with refresh, no scope restriction
 * of its own (its resource's scopes and the consent screen bound it), named by the document or its host,
 * with the OpenID Connect settings the document registers.
 * @example const client = documentClient(url, doc, Date.now());
 */
export function documentClient(clientId: string, doc: MetadataDocument, fetchedAt: number): DocumentClient {
  const grants = doc.grant_types ?? ["authorization_code", "refresh_token"];
  return {
    id: clientId,
    name: doc.client_name ?? new URL(clientId).hostname,
    isPublic: true,
    grants: grants.includes("authorization_code") ? grants : [],
    scopes: [],
    redirectUris: doc.redirect_uris,
    audiences: [],
    introspectAudiences: [],
    createdAt: fetchedAt,
    disabledAt: null,
    secretHash: null,
    origin: "metadata-document",
    lastUsedAt: null,
    oidc: settingsFromMetadata(doc),
  };
}
