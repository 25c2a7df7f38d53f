/**
 * API keys presented directly (`Authorization: Bearer abk_…`). A key is opaque — only the issuer knows what
 * it stands for — so it is checked at the issuer's `/introspect` (as the API's own client), and the answer,
 * live or not, is reused for at most `cacheMs` and never past the key's `exp`. That window is the whole
 * revocation delay: a key revoked, or whose owner was blocked, is refused here once its answer ages out.
 *
 * - Answers are kept by a SHA-256 of the key, never the key: a heap dump or a debugger view of the cache
 *   must not hand out working credentials. On Node the hash is Node's synchronous one (about a microsecond
 *   for 53 bytes), so a cached key costs no promise at all; elsewhere (Workers) it is WebCrypto's digest.
 * - Live and refused answers sit in two LRUs, so a flood of forged keys with valid checksums (CRC-32 is
 *   no secret) can push out only other refusals, never the live keys an API is serving.
 * - The checksum is checked on a cache miss, before any call: only well-formed keys are ever cached, so a
 *   hit needs no checksum, and noise never reaches the network.
 * - Well-formed keys not seen live lately are sent to the issuer within a budget (lookup-budget.ts): made-up
 *   keys cannot spend this API's introspection allowance at the issuer, past it they wait (503). A key the
 *   issuer called live in the last ten minutes is asked about whenever its answer is due (every request
 *   with `cacheSeconds: 0`), never held back by a flood of others.
 */
import { API_KEY_LENGTH, isWellFormedApiKey } from "../apikeys/format";
import { nodeCrypto } from "../lib/node-crypto";
import { TtlLru } from "./cache";
import { lookupBudget } from "./lookup-budget";
import { TokenRejected, VerifierUnavailable } from "./challenge";
import { introspector, SHARE_ACROSS_REQUESTS, type IntrospectionAnswer } from "./introspection";
import type { ResolvedOptions } from "./options";
import type { ApiKeyAuthInfo, ApiKeyClaims } from "./token";

/** Counters of the API key path. */
export interface ApiKeyStats {
  /** Key requests answered from the cache (live or refused), with no call to the issuer. */
  keyCacheHits: number;
  /** Introspection calls made for keys. */
  keyIntrospections: number;
}

/**
 * Check one presented key (it starts with `abk_`) at `nowMs`. Returns the auth info directly on a cache
 * hit where hashing is synchronous (Node), else a promise; throws or rejects with TokenRejected (401) or
 * VerifierUnavailable (503).
 */
export type ApiKeyCheck = (key: string, nowMs: number) => ApiKeyAuthInfo | Promise<ApiKeyAuthInfo>;

const MALFORMED = "malformed API key";
const INACTIVE = "the API key is not valid (unknown, revoked, expired, or its owner blocked)";
/** How long a key the issuer called live is spared the look-up budget (its hash only, not the answer). */
const KNOWN_LIVE_MS = 10 * 60_000;
const OVER_BUDGET = "too many API keys to check at the issuer right now; try again shortly";

const node = nodeCrypto;
/** Synchronous SHA-256 where the runtime has it; `crypto.hash` (one call, no Hash object) on Node ≥ 20.12. */
const hashSync: ((key: string) => string) | undefined = node
  ? typeof node.hash === "function"
    ? (key) => node.hash("sha256", key, "base64url")
    : (key) => node.createHash("sha256").update(key).digest("base64url")
  : undefined;

async function hashAsync(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  // Any string is a fine map key; this one is never shown or sent anywhere.
  let out = "";
  for (const b of digest) out += String.fromCharCode(b);
  return out;
}

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The auth info of an active answer, or a refusal reason when the key expired by our clock. An answer
 * out of shape is the issuer's fault, not the caller's: VerifierUnavailable.
 */
function toAuthInfo(a: IntrospectionAnswer, issuer: string, audience: string, nowMs: number, toleranceSeconds: number): ApiKeyAuthInfo | string {
  const { sub, client_id: clientId, key_id: keyId, scope = "", roles = [], iat, exp } = a;
  if (a.token_type !== "api_key") throw new VerifierUnavailable("token introspection described an API key as something else");
  if (!isString(sub) || !isString(clientId) || !isString(keyId) || typeof scope !== "string" || !isTime(iat) || (exp !== undefined && !isTime(exp)))
    throw new VerifierUnavailable("token introspection answered an API key without its sub, client_id, key_id, scope or iat");
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string"))
    throw new VerifierUnavailable("token introspection answered malformed roles");
  // The issuer said active; refuse only when clearly past exp on our clock too (the same skew as for JWTs).
  if (exp !== undefined && exp <= nowMs / 1000 - toleranceSeconds) return "the API key has expired";
  const claims: ApiKeyClaims = {
    iss: issuer,
    sub,
    aud: audience,
    ...(exp !== undefined ? { exp } : {}),
    iat,
    jti: keyId,
    client_id: clientId,
    scope,
    roles: Object.freeze([...(roles as string[])]) as string[],
  };
  return Object.freeze({
    tokenType: "api_key" as const,
    keyId,
    sub,
    clientId,
    scopes: Object.freeze(scope.split(" ").filter(Boolean)),
    roles: claims.roles,
    claims: Object.freeze(claims),
  });
}

/**
 * The key check for resolved options, or null when keys are not accepted (`apiKeys` absent).
 * @example const check = createApiKeyCheck(resolved, stats); const auth = await check(token, Date.now());
 */
export function createApiKeyCheck(o: ResolvedOptions, stats: ApiKeyStats): ApiKeyCheck | null {
  const k = o.apiKeys;
  if (k === null) return null;
  const { cacheMs } = k;
  const audience = o.audience[0] ?? o.issuer;
  const live = new TtlLru<ApiKeyAuthInfo>(k.maxEntries);
  /** Refusal descriptions by key hash. */
  const refused = new TtlLru<string>(k.maxEntries);
  const inFlight = new Map<string, Promise<ApiKeyAuthInfo | string>>();
  const introspect = introspector(k);
  const mayAsk = lookupBudget(k.maxLookupsPerMinute);
  /** Hashes of keys answered live lately: asked about again without spending the budget. */
  const knownLive = new TtlLru<true>(k.maxEntries);

  async function ask(key: string, hash: string, nowMs: number): Promise<ApiKeyAuthInfo | string> {
    stats.keyIntrospections++;
    const answer = await introspect(key, "api_key");
    const outcome = answer.active ? toAuthInfo(answer, o.issuer, audience, nowMs, o.clockToleranceSeconds) : INACTIVE;
    if (typeof outcome === "string") {
      refused.set(hash, outcome, nowMs + cacheMs, nowMs);
    } else {
      const exp = outcome.claims.exp;
      live.set(hash, outcome, exp === undefined ? nowMs + cacheMs : Math.min(nowMs + cacheMs, exp * 1000), nowMs);
      knownLive.set(hash, true, nowMs + KNOWN_LIVE_MS, nowMs);
    }
    return outcome;
  }

  const settle = (outcome: ApiKeyAuthInfo | string): ApiKeyAuthInfo => {
    if (typeof outcome === "string") throw new TokenRejected(outcome);
    return outcome;
  };

  function lookup(key: string, hash: string, nowMs: number): ApiKeyAuthInfo | Promise<ApiKeyAuthInfo> {
    const hit = live.get(hash, nowMs);
    if (hit !== undefined) {
      stats.keyCacheHits++;
      return hit;
    }
    const why = refused.get(hash, nowMs);
    if (why !== undefined) {
      stats.keyCacheHits++;
      throw new TokenRejected(why);
    }
    if (!isWellFormedApiKey(key)) throw new TokenRejected(MALFORMED);
    let pending = SHARE_ACROSS_REQUESTS ? inFlight.get(hash) : undefined;
    if (pending === undefined) {
      if (knownLive.get(hash, nowMs) === undefined && !mayAsk(nowMs)) throw new VerifierUnavailable(OVER_BUDGET);
      pending = ask(key, hash, nowMs).finally(() => inFlight.delete(hash));
      if (SHARE_ACROSS_REQUESTS) inFlight.set(hash, pending);
    }
    return pending.then(settle);
  }

  return (key, nowMs) => {
    // The length alone refuses most noise before it is even hashed.
    if (key.length !== API_KEY_LENGTH) throw new TokenRejected(MALFORMED);
    if (hashSync) return lookup(key, hashSync(key), nowMs);
    return hashAsync(key).then((hash) => lookup(key, hash, nowMs));
  };
}
