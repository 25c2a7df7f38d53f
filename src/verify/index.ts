/**
 * `authbridge/verify`: Hono middleware for APIs that accept authbridge access tokens (RFC 9068 JWTs) and,
 * when asked to, authbridge API keys (`abk_…`, checked at the issuer's `/introspect`).
 * Runs on Node and on Workers (WebCrypto and fetch; Node's crypto is used only when the runtime has it).
 *
 * @example
 * import { Hono } from "hono";
 * import { requireAuth, requireScopes, type AuthVariables } from "authbridge/verify";
 * const auth = requireAuth({ issuer: "https://auth.example.com", audience: "https://api.example.com",
 *   jwksUrl: "https://auth.example.com/.well-known/jwks.json" });
 * const app = new Hono<{ Variables: AuthVariables }>();
 * app.get("/reports", auth, requireScopes("reports:read"), (c) => c.json({ sub: c.var.auth.sub }));
 *
 * @example
 * // An MCP server (or any API clients discover on their own): RFC 9728 metadata plus a challenge naming it.
 * const resource = "https://api.example.com/mcp";
 * app.route("/", protectedResourceMetadata({ resource, authorizationServers: ["https://auth.example.com"], scopes: ["repos:read"] }));
 * app.all("/mcp", requireAuth({ issuer: "https://auth.example.com", audience: resource, jwksUrl,
 *   resourceMetadataUrl: protectedResourceMetadataUrl(resource) }), handler);
 */
import type { MiddlewareHandler } from "hono";
import { looksLikeApiKey } from "../apikeys/format";
import { createApiKeyCheck, type ApiKeyStats } from "./api-keys";
import { TtlLru } from "./cache";
import { bearerToken, insufficientScope, invalidToken, malformedRequest, missingToken, TokenRejected, unavailable, VerifierUnavailable } from "./challenge";
import { resolveOptions, type RequireAuthOptions } from "./options";
import { createRevocationCheck, type RevocationStats } from "./revocation";
import { createTokenVerifier, type AuthInfo, type JwtAuthInfo } from "./token";

export type { ApiKeyStats } from "./api-keys";
export { protectedResourceMetadata, protectedResourceMetadataUrl, type BearerMethod, type ProtectedResourceMetadata, type ProtectedResourceMetadataOptions } from "./resource-metadata";
export type { Algorithm, RequireAuthOptions } from "./options";
export type { AccessTokenClaims, ApiKeyAuthInfo, ApiKeyClaims, AuthInfo, JwtAuthInfo } from "./token";

/** Context variables set by {@link requireAuth}: use as `new Hono<{ Variables: AuthVariables }>()`. */
export type AuthVariables = { auth: AuthInfo };
/** The Hono environment of the middleware. */
export type AuthEnv = { Variables: AuthVariables };

/** Counters of one {@link requireAuth} instance (for tests, benchmarks and metrics). */
export interface AuthStats extends RevocationStats, ApiKeyStats {
  /** Full verifications (signature and claims) attempted: cache misses. */
  verifications: number;
  /** Requests served from the verified-token cache (no signature check). */
  cacheHits: number;
  /** Entries in the verified-token cache. */
  cacheSize: number;
  /** Entries evicted from it because it was full. */
  evictions: number;
}

/** The middleware, with its counters. */
export type AuthMiddleware = MiddlewareHandler<AuthEnv> & { stats(): AuthStats };

function respond(err: unknown, realm: string, metadataUrl: string | undefined): Response {
  if (err instanceof VerifierUnavailable) return unavailable(err.message);
  if (err instanceof TokenRejected) return invalidToken(realm, err.message, metadataUrl);
  // Not ours to classify: fail closed without leaking anything.
  return invalidToken(realm, "the token could not be verified", metadataUrl);
}

/**
 * The `resource_metadata` URL of the requireAuth that let a request through, for the guards after it
 * (requireScopes, requireRoles), which are built without options. Keyed by the request's context, the one
 * object every handler of a request shares; never part of `c.var`, which stays `{ auth }`.
 */
const metadataUrls = new WeakMap<object, string>();

/**
 * Require a valid access token. Options are validated here, once (throws on bad options). Sets
 * `c.var.auth`; refuses with 401 `invalid_token`, 403 `insufficient_scope` when `scopes` are missing,
 * and 503 when the JWKS, the introspection endpoint or the state store does not answer.
 *
 * A verified token is cached by its whole string until its `exp` (bounded LRU), so a reused token skips
 * the signature check; revocation (when on) is still consulted on every request.
 *
 * API keys (`Authorization: Bearer abk_…`) are refused unless `apiKeys` is given; then each is checked at
 * the issuer's `/introspect` with the `introspection` client, and its answer reused for at most
 * `apiKeys.cacheSeconds` (the delay before a revoked key, or a blocked owner's, is refused here). For a key,
 * `c.var.auth` has `tokenType: "api_key"`, `keyId`, the owner as `sub`, and `claims` synthesised from the
 * answer (`iss` = `issuer`, `aud` = the first audience, `jti` = the key id, `exp` only if the key expires).
 * `scopes`, {@link requireScopes} and {@link requireRoles} apply to keys as to tokens.
 *
 * With `resourceMetadataUrl`, every challenge (401, 400, and the 403s here and in the guards after it)
 * ends with `resource_metadata="…"` (RFC 9728 §5.1). Audiences match exactly, as strings: a token for
 * `https://api.example.com/` is not one for `https://api.example.com/mcp`.
 * @example app.use("/api/*", requireAuth({ issuer, audience: "https://api.example.com", keys: jwks, revocation: "store", store }));
 * @example app.use("/api/*", requireAuth({ issuer, audience, jwksUrl, introspection: { url, clientId, clientSecret }, apiKeys: { cacheSeconds: 30 } }));
 */
export function requireAuth(options: RequireAuthOptions): AuthMiddleware {
  const o = resolveOptions(options);
  const verify = createTokenVerifier(o);
  const cache = new TtlLru<JwtAuthInfo>(o.maxEntries);
  const counters = { verifications: 0, cacheHits: 0, storeChecks: 0, introspections: 0, keyCacheHits: 0, keyIntrospections: 0 };
  const revoked = createRevocationCheck(o, counters);
  const checkKey = createApiKeyCheck(o, counters);
  const { realm, now, scopes: required, resourceMetadataUrl: metadataUrl } = o;

  const middleware: MiddlewareHandler<AuthEnv> = async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (token === undefined) return missingToken(realm, metadataUrl);
    if (token === "") return malformedRequest(realm, "the Authorization header must be Bearer and one token", metadataUrl);

    const t = now();
    let auth: AuthInfo | undefined;
    try {
      // Routed by prefix: a key is never tried as a JWT, nor a JWT as a key.
      if (looksLikeApiKey(token)) {
        if (checkKey === null) return invalidToken(realm, "API keys are not accepted here", metadataUrl);
        const checked = checkKey(token, t);
        // A cached key on Node comes back as is: no promise to wait for on the hot path.
        auth = checked instanceof Promise ? await checked : checked;
      } else {
        let jwt = cache.get(token, t);
        if (jwt === undefined) {
          counters.verifications++;
          jwt = await verify(token, t);
          // Never past exp: a hit is then always a token jose would still accept at that instant.
          cache.set(token, jwt, jwt.claims.exp * 1000, t);
        } else {
          counters.cacheHits++;
        }
        if (revoked && (await revoked(jwt, token, t))) return invalidToken(realm, "the token has been revoked", metadataUrl);
        auth = jwt;
      }
    } catch (err) {
      return respond(err, realm, metadataUrl);
    }

    if (required.length > 0) {
      const missing = required.filter((s) => !auth.scopes.includes(s));
      if (missing.length > 0) return insufficientScope(required, `the token lacks scope: ${missing.join(" ")}`, metadataUrl);
    }
    c.set("auth", auth);
    if (metadataUrl !== undefined) metadataUrls.set(c, metadataUrl);
    await next();
  };
  return Object.assign(middleware, {
    stats: (): AuthStats => ({ ...counters, cacheSize: cache.stats().size, evictions: cache.stats().evictions }),
  });
}

function authOf(c: { var: AuthVariables }, guard: string): AuthInfo {
  const auth = (c.var as Partial<AuthVariables>).auth;
  // A guard without requireAuth before it is a wiring bug; failing loudly beats letting requests through.
  if (auth === undefined) throw new Error(`${guard} must run after requireAuth`);
  return auth;
}

/**
 * After {@link requireAuth}: 403 `insufficient_scope` unless the token carries every one of `scopes`.
 * @example app.get("/reports", auth, requireScopes("reports:read"), handler);
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const auth = authOf(c, "requireScopes");
    const missing = scopes.filter((s) => !auth.scopes.includes(s));
    if (missing.length > 0) return insufficientScope(scopes, `the token lacks scope: ${missing.join(" ")}`, metadataUrls.get(c));
    await next();
  };
}

/**
 * After {@link requireAuth}: 403 unless the token's `roles` claim holds every one of `roles`. The challenge
 * says `insufficient_scope` (RFC 6750 has no other code for "needs more privileges than the token has").
 * @example app.get("/admin", auth, requireRoles("maintainer"), handler);
 */
export function requireRoles(...roles: string[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const auth = authOf(c, "requireRoles");
    const missing = roles.filter((r) => !auth.roles.includes(r));
    if (missing.length > 0) return insufficientScope([], `the token lacks role: ${missing.join(" ")}`, metadataUrls.get(c));
    await next();
  };
}
