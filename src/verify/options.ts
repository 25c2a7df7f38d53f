/**
 * Options of `requireAuth`, validated once when the middleware is created: a mistake in them is a
 * deployment error and must stop the API from starting, not surface as 401s at request time.
 *
 * Plain checks rather than a schema library: the verifier is a package APIs install, and zod with its
 * locales made up 735 of its 763 KiB, for a dozen options.
 */
import type { JWK } from "jose";
import { isLoopbackHost } from "../lib/loopback";
import { SCOPE_TOKEN, SCOPE_TOKEN_RULE } from "../lib/scope";
import type { MarkReader } from "../store/store";

/** Algorithms an authbridge issuer signs with; nothing else is ever accepted (never `none`, never HS*). */
export const ALGORITHMS = ["EdDSA", "ES256"] as const;
/** One accepted signature algorithm. */
export type Algorithm = (typeof ALGORITHMS)[number];

/**
 * Key ids are lookup keys only. Refusing anything outside this charset and length stops path-like,
 * wildcard, quoted or huge values before they reach a key lookup (or trigger a JWKS refetch).
 */
export const KID_PATTERN = /^[A-Za-z0-9._~+=:-]{1,128}$/;

/** Options of `requireAuth`. Exactly one of `jwksUrl` / `keys`. */
export interface RequireAuthOptions {
  /** Expected `iss`, e.g. `https://auth.example.com`. */
  issuer: string;
  /** Accepted `aud` value(s): the token must name at least one. */
  audience: string | string[];
  /** The issuer's JWKS, e.g. `https://auth.example.com/.well-known/jwks.json` (https, or http on loopback). */
  jwksUrl?: string;
  /** Public keys given directly (a JWK list or a JWKS document). Each needs a `kid`. */
  keys?: JWK[] | { keys: JWK[] };
  /** Accepted algorithms (default both). */
  algorithms?: Algorithm[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, seconds (default 5, at most 60). */
  clockToleranceSeconds?: number;
  /** Scopes every request must carry (all of them). */
  scopes?: string[];
  /** How revocation is checked: not at all (default), through the issuer's `/introspect`, or in the shared state store. */
  revocation?: "off" | "introspect" | "store";
  /**
   * The API's own confidential client at the issuer's `/introspect`: required for `revocation: "introspect"`
   * and for `apiKeys`. It must be allowed to introspect (`clients create … --introspect AUDIENCE`).
   */
  introspection?: {
    url: string;
    clientId: string;
    clientSecret: string;
    /** How long an answer is reused per `jti`, seconds (default 30, at most 300; never past `exp`). */
    cacheSeconds?: number;
    /** Deadline of one introspection call, ms (default 3000). */
    timeoutMs?: number;
  };
  /**
   * Required for `revocation: "store"`: the state store the issuer writes revocation marks to. Only its
   * `newestMark` is used, so a whole store object (what `createUpstashStore` returns) fits as well.
   */
  store?: MarkReader;
  /**
   * `revocation: "store"` only: reuse a token's revocation answer for this many milliseconds (default 0:
   * every request asks the store; at most 1000). Trades up to that much delay in noticing a revocation
   * for one store round trip per token per window instead of one per request (BENCHMARKS.md, verify).
   */
  storeCacheMs?: number;
  /**
   * Accept API keys directly (`Authorization: Bearer abk_…`), checked through the issuer's `/introspect`
   * with the `introspection` client (required). Without this option a key is refused (401). A key with a
   * bad checksum is refused without any call. Each answer, live or not, is reused for at most
   * `cacheSeconds` (default 30, at most 300; never past the key's expiry): that is how long a revoked key,
   * or one whose owner was blocked, may still be accepted here. 0: ask on every request.
   */
  apiKeys?: {
    /** How long a key's answer (live or refused) is reused, seconds: the revocation delay (default 30, 0–300). */
    cacheSeconds?: number;
    /**
     * Keys whose answers are remembered (default 10000; 0: none), live and refused ones each up to this
     * many (kept apart, so refusals never push out live keys). Kept by a hash of the key, never the key.
     */
    maxEntries?: number;
    /**
     * Keys with no answer yet that may be sent to the issuer per minute (default 300, 1–100000; a minute's
     * worth at once). Anyone can make up keys with valid checksums, and each would cost one introspection
     * of the budget this API's client has at the issuer; past the bound such keys get 503
     * `temporarily_unavailable`, while keys already answered keep working.
     */
    maxLookupsPerMinute?: number;
  };
  /** The verified-token cache (keyed by the whole token string). `maxEntries: 0` turns it off. */
  cache?: { maxEntries?: number };
  /** Remote JWKS behaviour (only with `jwksUrl`). */
  jwks?: {
    /** Minimum seconds between refetches caused by an unknown `kid` (default 30, at least 1). */
    cooldownSeconds?: number;
    /** Seconds after which the key set is refetched anyway (default 600). */
    maxAgeSeconds?: number;
    /** Deadline of one JWKS fetch, ms (default 5000). */
    timeoutMs?: number;
  };
  /** `realm` of the `WWW-Authenticate` challenge (default: the first audience). */
  realm?: string;
  /**
   * Where this API's RFC 9728 metadata is served (https, or http on loopback), e.g. what
   * `protectedResourceMetadataUrl(resource)` returns. Every challenge — the 401s, the 400, and the 403s of
   * `scopes`, `requireScopes` and `requireRoles` — then carries `resource_metadata="…"` (RFC 9728 §5.1), which
   * is how MCP clients and other clients that were never configured for this API find its authorization server.
   */
  resourceMetadataUrl?: string;
  /**
   * Clock in epoch ms. For tests only (to move time past `exp` or a cache window); the remote JWKS
   * cooldown always uses the real clock.
   */
  now?: () => number;
  /**
   * Who checks signatures. `auto` (default): Node's built-in crypto when the runtime has it (synchronous,
   * cheaper than a WebCrypto job), else jose over WebCrypto (Workers). `webcrypto`: always jose.
   */
  signatureEngine?: "auto" | "webcrypto";
}

/** Collects every problem, each as `path: message`, so one error names them all. */
class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function nonEmptyString(p: Problems, path: string, v: unknown): v is string {
  if (typeof v === "string" && v.length > 0) return true;
  p.add(path, "must be a non-empty string");
  return false;
}

/** A number in [min, max] (whole when `int`), or `def` when absent. */
function numberIn(p: Problems, path: string, v: unknown, def: number, min: number, max: number, int = true): number {
  if (v === undefined) return def;
  if (typeof v === "number" && Number.isFinite(v) && (!int || Number.isInteger(v)) && v >= min && v <= max) return v;
  p.add(path, `must be a ${int ? "whole " : ""}number from ${min} to ${max}`);
  return def;
}

function oneOf<T extends string>(p: Problems, path: string, v: unknown, allowed: readonly T[]): v is T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return true;
  p.add(path, `must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}`);
  return false;
}

/** https anywhere, http only on loopback: keys and introspection answers must not travel in clear text. */
function secureUrl(p: Problems, path: string, v: unknown): v is string {
  if (typeof v !== "string" || !URL.canParse(v)) {
    p.add(path, "must be an absolute URL");
    return false;
  }
  const url = new URL(v);
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))) return true;
  p.add(path, "must be https (http only on localhost)");
  return false;
}

/**
 * An RSA key of an issuer's JWKS: authbridge signs ID tokens (OpenID Connect) with RS256 and publishes that
 * key next to the access-token keys. Access tokens are never RSA-signed, so such a key is accepted in the
 * list and then left out: it can never verify a token here.
 */
function isIdTokenKey(k: Record<string, unknown>): boolean {
  return k.kty === "RSA" && (k.alg === undefined || k.alg === "RS256") && !("d" in k);
}

function publicJwk(p: Problems, path: string, k: unknown): k is JWK {
  if (!isObject(k)) {
    p.add(path, "must be a JWK object");
    return false;
  }
  if (isIdTokenKey(k)) return true;
  const before = p.list.length;
  if (k.kty !== "OKP" && k.kty !== "EC") p.add(`${path}.kty`, "only OKP (Ed25519) and EC (P-256) keys are supported");
  if (typeof k.kid !== "string" || !KID_PATTERN.test(k.kid)) p.add(`${path}.kid`, "kid must be 1-128 characters of [A-Za-z0-9._~+=:-]");
  if (k.alg !== undefined) oneOf(p, `${path}.alg`, k.alg, ALGORITHMS);
  if (k.use !== undefined && k.use !== "sig") p.add(`${path}.use`, 'must be "sig"');
  if ("d" in k) p.add(path, 'must be a public key (it has a private "d" member)');
  return p.list.length === before;
}

/** A JWKS document is unwrapped first, so errors name the bad key instead of the document's shape. */
function keyList(p: Problems, v: unknown): JWK[] | undefined {
  const list = isObject(v) && "keys" in v ? v.keys : v;
  if (!Array.isArray(list) || list.length === 0) {
    p.add("keys", "must be a non-empty list of JWKs (or a JWKS document)");
    return undefined;
  }
  const ok = list.map((k, i) => publicJwk(p, `keys[${i}]`, k)).every(Boolean);
  if (!ok) return undefined;
  const usable = (list as JWK[]).filter((k) => !isIdTokenKey(k as Record<string, unknown>));
  if (usable.length === 0) p.add("keys", "has no OKP (Ed25519) or EC (P-256) key: access tokens are signed with those");
  return usable.length > 0 ? usable : undefined;
}

function algorithmList(p: Problems, v: unknown): Algorithm[] {
  if (v === undefined) return [...ALGORITHMS];
  if (!Array.isArray(v) || v.length === 0) {
    p.add("algorithms", `must be a non-empty list of ${ALGORITHMS.join(", ")}`);
    return [...ALGORITHMS];
  }
  return v.filter((a, i): a is Algorithm => oneOf(p, `algorithms[${i}]`, a, ALGORITHMS));
}

function scopeList(p: Problems, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    p.add("scopes", "must be a list of scope tokens");
    return [];
  }
  return v.filter((s, i): s is string => {
    if (typeof s === "string" && SCOPE_TOKEN.test(s)) return true;
    p.add(`scopes[${i}]`, SCOPE_TOKEN_RULE);
    return false;
  });
}

/** An optional nested options object: its known members are checked, the rest ignored. */
function section(p: Problems, path: string, v: unknown): Obj | undefined {
  if (v === undefined) return undefined;
  if (isObject(v)) return v;
  p.add(path, "must be an object");
  return undefined;
}

const isMarkReader = (v: unknown): v is MarkReader =>
  typeof v === "object" && v !== null && typeof (v as { newestMark?: unknown }).newestMark === "function";

const OPTION_NAMES = new Set<string>([
  "issuer", "audience", "jwksUrl", "keys", "algorithms", "clockToleranceSeconds", "signatureEngine", "scopes",
  "revocation", "introspection", "apiKeys", "store", "storeCacheMs", "cache", "jwks", "realm", "resourceMetadataUrl", "now",
] satisfies (keyof RequireAuthOptions)[]);

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  issuer: string;
  audience: string[];
  source: { kind: "remote"; url: URL; cooldownMs: number; maxAgeMs: number; timeoutMs: number } | { kind: "local"; keys: JWK[] };
  algorithms: Algorithm[];
  clockToleranceSeconds: number;
  scopes: string[];
  revocation:
    | { kind: "off" }
    | { kind: "store"; store: MarkReader; cacheMs: number }
    | { kind: "introspect"; url: string; clientId: string; clientSecret: string; cacheMs: number; timeoutMs: number };
  /** Null: API keys are refused. */
  apiKeys: { url: string; clientId: string; clientSecret: string; timeoutMs: number; cacheMs: number; maxEntries: number; maxLookupsPerMinute: number } | null;
  maxEntries: number;
  realm: string;
  /** Added to every challenge as `resource_metadata` when set. */
  resourceMetadataUrl: string | undefined;
  now: () => number;
  /** True when `now` came from the options (tests): jose must then be given the same clock. */
  clockInjected: boolean;
  signatureEngine: "auto" | "webcrypto";
}

/**
 * Validate and normalise; throws an Error naming every bad option.
 * @example const opts = resolveOptions({ issuer, audience, keys });
 */
export function resolveOptions(input: RequireAuthOptions): ResolvedOptions {
  const p = new Problems();
  const o: Obj = isObject(input) ? input : {};
  if (!isObject(input)) p.add("options", "must be an object");
  for (const name of Object.keys(o)) if (!OPTION_NAMES.has(name)) p.add(name, "not an option of requireAuth");

  nonEmptyString(p, "issuer", o.issuer);
  let audience: string[] = [];
  if (typeof o.audience === "string") {
    if (nonEmptyString(p, "audience", o.audience)) audience = [o.audience];
  } else if (Array.isArray(o.audience) && o.audience.length > 0) {
    audience = o.audience.filter((a, i): a is string => nonEmptyString(p, `audience[${i}]`, a));
  } else {
    p.add("audience", "must be a non-empty string or a non-empty list of them");
  }

  const jwksUrl = o.jwksUrl !== undefined && secureUrl(p, "jwksUrl", o.jwksUrl) ? o.jwksUrl : undefined;
  const keys = o.keys !== undefined ? keyList(p, o.keys) : undefined;
  if ((o.jwksUrl === undefined) === (o.keys === undefined)) p.add("jwksUrl", "give exactly one of jwksUrl and keys");
  const algorithms = algorithmList(p, o.algorithms);
  (keys ?? []).forEach((k, i) => {
    if (k.alg !== undefined && !algorithms.includes(k.alg as Algorithm)) p.add(`keys[${i}].alg`, `${k.alg} is not among the accepted algorithms`);
  });
  const clockToleranceSeconds = numberIn(p, "clockToleranceSeconds", o.clockToleranceSeconds, 5, 0, 60);
  const signatureEngine = o.signatureEngine === undefined || !oneOf(p, "signatureEngine", o.signatureEngine, ["auto", "webcrypto"] as const) ? "auto" : o.signatureEngine;
  const scopes = scopeList(p, o.scopes);

  const mode = o.revocation === undefined || !oneOf(p, "revocation", o.revocation, ["off", "introspect", "store"] as const) ? "off" : o.revocation;
  const intro = section(p, "introspection", o.introspection);
  let revocation: ResolvedOptions["revocation"] = { kind: "off" };
  let endpoint: { url: string; clientId: string; clientSecret: string; timeoutMs: number } | undefined;
  if (intro) {
    const url = secureUrl(p, "introspection.url", intro.url) ? intro.url : "";
    const clientId = nonEmptyString(p, "introspection.clientId", intro.clientId) ? intro.clientId : "";
    const clientSecret = nonEmptyString(p, "introspection.clientSecret", intro.clientSecret) ? intro.clientSecret : "";
    const cacheSeconds = numberIn(p, "introspection.cacheSeconds", intro.cacheSeconds, 30, 0, 300);
    const timeoutMs = numberIn(p, "introspection.timeoutMs", intro.timeoutMs, 3000, 100, 30_000);
    endpoint = { url, clientId, clientSecret, timeoutMs };
    if (mode === "introspect") revocation = { kind: "introspect", ...endpoint, cacheMs: cacheSeconds * 1000 };
  } else if (mode === "introspect") p.add("introspection", 'required when revocation is "introspect"');
  const keySection = section(p, "apiKeys", o.apiKeys);
  let apiKeys: ResolvedOptions["apiKeys"] = null;
  if (keySection) {
    const cacheSeconds = numberIn(p, "apiKeys.cacheSeconds", keySection.cacheSeconds, 30, 0, 300);
    const maxKeys = numberIn(p, "apiKeys.maxEntries", keySection.maxEntries, 10_000, 0, 1_000_000);
    const maxLookupsPerMinute = numberIn(p, "apiKeys.maxLookupsPerMinute", keySection.maxLookupsPerMinute, 300, 1, 100_000);
    // Keys are opaque: only the issuer can say what one stands for, and it answers only a client it knows.
    if (endpoint) apiKeys = { ...endpoint, cacheMs: cacheSeconds * 1000, maxEntries: maxKeys, maxLookupsPerMinute };
    else p.add("apiKeys", "needs the introspection option (url, clientId, clientSecret): keys are checked at the issuer's /introspect");
  }
  if (o.store !== undefined && !isMarkReader(o.store)) p.add("store", "must be a StateStore");
  if (mode === "store") {
    if (o.store === undefined) p.add("store", 'required when revocation is "store"');
    else if (isMarkReader(o.store)) revocation = { kind: "store", store: o.store, cacheMs: numberIn(p, "storeCacheMs", o.storeCacheMs, 0, 0, 1000) };
  }

  const cache = section(p, "cache", o.cache);
  const maxEntries = numberIn(p, "cache.maxEntries", cache?.maxEntries, 10_000, 0, 1_000_000);
  const jwks = section(p, "jwks", o.jwks);
  const cooldownSeconds = numberIn(p, "jwks.cooldownSeconds", jwks?.cooldownSeconds, 30, 1, 3600, false);
  const maxAgeSeconds = numberIn(p, "jwks.maxAgeSeconds", jwks?.maxAgeSeconds, 600, 1, 86_400, false);
  const timeoutMs = numberIn(p, "jwks.timeoutMs", jwks?.timeoutMs, 5000, 100, 30_000);
  if (o.realm !== undefined && (typeof o.realm !== "string" || o.realm.length === 0 || o.realm.length > 200)) p.add("realm", "must be 1-200 characters");
  const resourceMetadataUrl = o.resourceMetadataUrl !== undefined && secureUrl(p, "resourceMetadataUrl", o.resourceMetadataUrl) ? o.resourceMetadataUrl : undefined;
  if (o.now !== undefined && typeof o.now !== "function") p.add("now", "must be a function returning epoch ms");

  if (p.list.length > 0) throw new Error(`requireAuth: invalid options\n${p.list.map((l) => `  - ${l}`).join("\n")}`);
  const issuer = o.issuer as string;
  const source: ResolvedOptions["source"] = jwksUrl
    ? { kind: "remote", url: new URL(jwksUrl), cooldownMs: cooldownSeconds * 1000, maxAgeMs: maxAgeSeconds * 1000, timeoutMs }
    : { kind: "local", keys: keys ?? [] };
  const now = o.now as (() => number) | undefined;
  return {
    issuer,
    audience,
    source,
    algorithms: [...new Set(algorithms)],
    clockToleranceSeconds,
    scopes,
    revocation,
    apiKeys,
    maxEntries,
    realm: (o.realm as string | undefined) ?? audience[0] ?? issuer,
    resourceMetadataUrl,
    now: now ?? Date.now,
    clockInjected: now !== undefined,
    signatureEngine,
  };
}
