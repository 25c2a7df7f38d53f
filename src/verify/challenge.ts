/**
 * RFC 6750 §3 error responses. Every refusal of `requireAuth` and its guards is built here, so the
 * status codes, `WWW-Authenticate` syntax and JSON bodies cannot drift apart.
 */

/** Why a token was refused (401), with a description safe to show to the caller. */
export class TokenRejected extends Error {
  override readonly name = "TokenRejected";
}

/** A dependency of verification (JWKS, introspection, state store) did not answer: 503, never 401. */
export class VerifierUnavailable extends Error {
  override readonly name = "VerifierUnavailable";
}

/**
 * RFC 6750 §2.1: `Bearer` (any case), spaces, one token. Parsed by hand (no regex over the whole header):
 * the token's own syntax is checked by the verifier. Undefined: not the Bearer scheme at all; "": malformed.
 * @example const token = bearerToken(c.req.header("authorization"));
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== "bearer") return undefined;
  if (header.length > 6 && header.charCodeAt(6) !== 32) return undefined; // e.g. "Bearerx": another scheme
  const token = header.slice(7).trim();
  return token.includes(" ") ? "" : token;
}

/** Quoted-string value for an auth-param (RFC 9110 §11.2): backslash-escape `"` and `\`, drop controls. */
function quoted(value: string): string {
  return `"${value.replace(/[\x00-\x1f\x7f]/g, "").replace(/["\\]/g, "\\$&")}"`;
}

/**
 * `Bearer k="v", …`. With `resourceMetadataUrl` the challenge ends with `resource_metadata` (RFC 9728 §5.1):
 * how a client that has never heard of this API finds the authorization server to get a token from.
 */
function challenge(params: Array<[string, string]>, resourceMetadataUrl?: string): string {
  const all: Array<[string, string]> = resourceMetadataUrl === undefined ? params : [...params, ["resource_metadata", resourceMetadataUrl]];
  return `Bearer ${all.map(([k, v]) => `${k}=${quoted(v)}`).join(", ")}`;
}

function json(status: number, body: Record<string, string>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

/** 401 without an error code: the request carried no bearer token at all (RFC 6750 §3.1). */
export function missingToken(realm: string, resourceMetadataUrl?: string): Response {
  return json(401, { error: "unauthorized", error_description: "a bearer token is required" }, { "www-authenticate": challenge([["realm", realm]], resourceMetadataUrl) });
}

/** 400 `invalid_request`: an Authorization header using the Bearer scheme that is not one token. */
export function malformedRequest(realm: string, description: string, resourceMetadataUrl?: string): Response {
  return json(
    400,
    { error: "invalid_request", error_description: description },
    { "www-authenticate": challenge([["realm", realm], ["error", "invalid_request"], ["error_description", description]], resourceMetadataUrl) },
  );
}

/** 401 `invalid_token`. */
export function invalidToken(realm: string, description: string, resourceMetadataUrl?: string): Response {
  return json(
    401,
    { error: "invalid_token", error_description: description },
    { "www-authenticate": challenge([["realm", realm], ["error", "invalid_token"], ["error_description", description]], resourceMetadataUrl) },
  );
}

/** 403 `insufficient_scope`, naming the scopes the request needs (RFC 6750 §3). */
export function insufficientScope(scopes: readonly string[], description: string, resourceMetadataUrl?: string): Response {
  const scope = scopes.join(" ");
  return json(
    403,
    { error: "insufficient_scope", error_description: description, ...(scope ? { scope } : {}) },
    {
      "www-authenticate": challenge(
        [["error", "insufficient_scope"], ...(scope ? [["scope", scope] as [string, string]] : []), ["error_description", description]],
        resourceMetadataUrl,
      ),
    },
  );
}

/** 503: verification could not be completed now; the token was neither accepted nor refused. */
export function unavailable(description: string): Response {
  return json(503, { error: "temporarily_unavailable", error_description: description }, { "retry-after": "5" });
}
