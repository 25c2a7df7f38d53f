/**
 * Signature and claim checks of one RFC 9068 access token, on jose. Everything an attacker controls in
 * the JOSE header is checked before any key is looked up: `jku`/`x5u`/`jwk`/`x5c` (keys or key locations
 * chosen by the sender) and `crit` are refused outright and never fetched, `typ` must be `at+jwt`, and
 * `kid` must look like a key id — it is then only a lookup key into keys we already trust.
 */
import { decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWSHeaderParameters, type JWTPayload, type JWTVerifyOptions } from "jose";
import { TokenRejected, VerifierUnavailable } from "./challenge";
import { keyResolver } from "./keys";
import { nodeSignaturesAvailable, verifyWithNode } from "./node-signature";
import { KID_PATTERN, type Algorithm, type ResolvedOptions } from "./options";

/** Claims of an authbridge access token (RFC 9068), as verified. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  /** Space-separated scopes. */
  scope?: string;
  roles?: string[];
  /** Session id (user tokens only). */
  sid?: string;
  /** The grant (refresh family) the token was issued from: revoking the grant revokes the token. */
  gid?: string;
}

/**
 * Claims `requireAuth` synthesises for an API key from the issuer's introspection answer, so code written
 * against a JWT's claims keeps working: `iss` is the `issuer` option, `aud` the middleware's first
 * audience, `jti` the key's id (`key_…`), `exp` present only when the key expires. There is no session.
 */
export interface ApiKeyClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  /** Absent for a key that does not expire. */
  exp?: number;
  /** When the key was created. */
  iat: number;
  /** The key's id. */
  jti: string;
  client_id: string;
  /** Space-separated scopes the key carries now. */
  scope: string;
  roles: string[];
  sid?: undefined;
  gid?: undefined;
}

/** Fields of `c.var.auth` whatever the credential was. Frozen: the same object may serve later requests from the cache. */
interface AuthInfoBase {
  /** Account id; for client_credentials tokens and service API keys, the client id. */
  readonly sub: string;
  /** The client the token was issued to; for a service key its owning client, for a personal key the key's id. */
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

/** `c.var.auth` for an access token (RFC 9068 JWT). */
export interface JwtAuthInfo extends AuthInfoBase {
  readonly tokenType: "jwt";
  /** Session id (user tokens only). */
  readonly sid?: string;
  readonly keyId?: undefined;
  readonly claims: Readonly<AccessTokenClaims>;
}

/** `c.var.auth` for an API key (`Authorization: Bearer abk_…`, with the `apiKeys` option). */
export interface ApiKeyAuthInfo extends AuthInfoBase {
  readonly tokenType: "api_key";
  /** The key's id (`key_…`), as `api-keys list` shows it: never the key itself. */
  readonly keyId: string;
  readonly sid?: undefined;
  /** Synthesised from the introspection answer (see {@link ApiKeyClaims}). */
  readonly claims: Readonly<ApiKeyClaims>;
}

/**
 * What `requireAuth` puts in `c.var.auth`; `tokenType` tells the two apart (narrowing `claims` and
 * `keyId`). Frozen: the same object may serve later requests from the cache.
 */
export type AuthInfo = JwtAuthInfo | ApiKeyAuthInfo;

/** Verify one token at `nowMs`; rejects with TokenRejected (401) or VerifierUnavailable (503). */
export type TokenVerifier = (token: string, nowMs: number) => Promise<JwtAuthInfo>;

/** Larger tokens are refused unparsed (ours are well under 2 kB). */
export const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** RFC 9068 §4: `typ` compared case-insensitively, with or without the `application/` prefix. */
const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);
/** Header members that name keys or key locations chosen by the sender, plus `crit` (no extensions understood). */
const REFUSED_HEADERS = ["jku", "x5u", "jwk", "x5c", "crit"] as const;
const REQUIRED_CLAIMS = ["sub", "client_id", "exp", "iat", "jti"];

/** A protected header that passed {@link checkedHeader}. */
type CheckedHeader = JWSHeaderParameters & { alg: Algorithm };
/** Distinct header segments remembered (an issuer has one per key). */
const MAX_HEADERS = 64;

/** The protected header, checked before any key is looked up. */
function checkedHeader(token: string, algorithms: readonly Algorithm[]): CheckedHeader {
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TokenRejected("malformed token header");
  }
  for (const name of REFUSED_HEADERS)
    if (Object.hasOwn(header, name)) throw new TokenRejected(`the ${name} header parameter is not accepted`);
  const { typ, kid, alg } = header;
  // jose checks the allowlist again; checking here keeps `none`/HS* away from the key lookup too.
  if (!algorithms.includes(alg as Algorithm)) throw new TokenRejected("signature algorithm not allowed");
  if (typeof typ !== "string" || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase())) throw new TokenRejected("the token type (typ) must be at+jwt");
  if (kid !== undefined && (typeof kid !== "string" || !KID_PATTERN.test(kid))) throw new TokenRejected("malformed key id (kid)");
  return header as CheckedHeader;
}

/** jose's error → what the caller is told. Only the JWKS being unreachable is the verifier's fault. */
function classify(err: unknown, remote: boolean): Error {
  if (err instanceof TokenRejected) return err;
  if (err instanceof errors.JWTExpired) return new TokenRejected("the token has expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return new TokenRejected("unexpected issuer");
    if (err.claim === "aud") return new TokenRejected("the token is not meant for this audience");
    if (err.claim === "nbf") return new TokenRejected("the token is not valid yet");
    if (err.claim === "typ") return new TokenRejected("the token type (typ) must be at+jwt");
    return new TokenRejected(err.reason === "missing" ? `the token lacks the ${err.claim} claim` : `invalid ${err.claim} claim`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenRejected("signature algorithm not allowed");
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected("invalid signature");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return new TokenRejected("no matching signing key");
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return new TokenRejected("malformed token");
  if (err instanceof errors.JOSENotSupported) return new TokenRejected("unsupported algorithm or key type");
  // Left: JWKS timeouts, non-200 or malformed JWKS answers, network errors. With local keys nothing can be
  // unreachable, so anything unexpected still fails closed as a refusal rather than a 5xx.
  return remote ? new VerifierUnavailable("the issuer's signing keys could not be fetched") : new TokenRejected("the token could not be verified");
}

/** Freeze the claims and the arrays in them (nested objects, rare in access tokens, are frozen too). */
function freezeClaims(claims: Record<string, unknown>): void {
  for (const key in claims) {
    const v = claims[key];
    if (typeof v === "object" && v !== null && !Object.isFrozen(v)) freezeClaims(v as Record<string, unknown>);
  }
  Object.freeze(claims);
}

const NO_ROLES: readonly string[] = Object.freeze([]);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Shape checks jose does not do (it only checks presence of the required claims). */
function toAuthInfo(payload: JWTPayload, nowMs: number, toleranceSeconds: number): JwtAuthInfo {
  const p = payload as Record<string, unknown>;
  for (const name of ["sub", "client_id", "jti"] as const)
    if (typeof p[name] !== "string" || p[name] === "") throw new TokenRejected(`invalid ${name} claim`);
  if (typeof p.iat !== "number" || !Number.isFinite(p.iat)) throw new TokenRejected("invalid iat claim");
  // A future iat would also escape revocation marks (a mark covers tokens issued before it).
  if (p.iat > nowMs / 1000 + toleranceSeconds) throw new TokenRejected("the token was issued in the future");
  if (p.scope !== undefined && typeof p.scope !== "string") throw new TokenRejected("invalid scope claim");
  if (p.roles !== undefined && !isStringArray(p.roles)) throw new TokenRejected("invalid roles claim");
  if (p.sid !== undefined && typeof p.sid !== "string") throw new TokenRejected("invalid sid claim");
  if (p.gid !== undefined && typeof p.gid !== "string") throw new TokenRejected("invalid gid claim");
  freezeClaims(p);
  const claims = payload as AccessTokenClaims;
  const scopes = Object.freeze(claims.scope ? claims.scope.split(" ").filter(Boolean) : []);
  const roles: readonly string[] = claims.roles ?? NO_ROLES;
  return Object.freeze({
    tokenType: "jwt" as const,
    sub: claims.sub,
    clientId: claims.client_id,
    scopes,
    roles,
    ...(claims.sid !== undefined ? { sid: claims.sid } : {}),
    claims,
  });
}

/**
 * Build the verifier for resolved options (the key set is built once, here).
 * @example const verify = createTokenVerifier(resolveOptions(opts)); const auth = await verify(token, Date.now());
 */
export function createTokenVerifier(o: ResolvedOptions): TokenVerifier {
  const getKey = keyResolver(o.source);
  const remote = o.source.kind === "remote";
  const base: JWTVerifyOptions = {
    issuer: o.issuer,
    audience: o.audience,
    algorithms: o.algorithms,
    typ: "at+jwt",
    clockTolerance: o.clockToleranceSeconds,
    requiredClaims: REQUIRED_CLAIMS,
  };
  // An issuer's tokens share a handful of header segments (one per key), so the checked header of a
  // segment that already verified is reused instead of decoded again. Only segments of tokens that passed
  // the signature check get in, so senders cannot fill it; the bound is a backstop.
  const headers = new Map<string, CheckedHeader>();
  const fast = o.signatureEngine === "auto" && nodeSignaturesAvailable;
  const claimRules = { issuer: o.issuer, audience: o.audience, toleranceSeconds: o.clockToleranceSeconds, required: REQUIRED_CLAIMS };
  const fail = (err: unknown): never => {
    throw classify(err, remote);
  };

  // Promise chains rather than async/await: each await level is measurable on this hot path.
  return (token, nowMs) => {
    let segment = "";
    let header: CheckedHeader | undefined;
    let known = false;
    let key: CryptoKey | Promise<CryptoKey>;
    try {
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected("the token is too large");
      if (!COMPACT_JWS.test(token)) throw new TokenRejected("the token is not a signed JWT");
      segment = token.slice(0, token.indexOf("."));
      header = headers.get(segment);
      known = header !== undefined;
      header ??= checkedHeader(token, o.algorithms);
      key = getKey(header);
    } catch (err) {
      return Promise.reject(classify(err, remote));
    }
    if (fast) {
      const alg = header.alg;
      const verified = key instanceof Promise ? key.then((k) => verifyWithNode(token, alg, k, claimRules, nowMs)) : verifyWithNode(token, alg, key, claimRules, nowMs);
      return verified.then((payload) => {
        if (!known && headers.size < MAX_HEADERS) headers.set(segment, header);
        return toAuthInfo(payload, nowMs, o.clockToleranceSeconds);
      }, fail);
    }
    // jose reads the real clock itself unless one was injected (saves an options copy per request).
    const options = o.clockInjected ? { ...base, currentDate: new Date(nowMs) } : base;
    const verified = key instanceof Promise ? key.then((k) => jwtVerify(token, k, options)) : jwtVerify(token, key, options);
    return verified.then(({ payload }) => {
      if (!known && headers.size < MAX_HEADERS) headers.set(segment, header);
      return toAuthInfo(payload, nowMs, o.clockToleranceSeconds);
    }, fail);
  };
}
