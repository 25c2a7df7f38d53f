/**
 * Where verification keys come from. Local keys are looked up by `kid` in a map built once and imported
 * once each (on first use, not at creation: Workers allow no async work at global scope); a remote JWKS is
 * jose's `createRemoteJWKSet` (cached, refetched on an unknown kid only after a cooldown, never per
 * request). Either way the header's `kid` is only ever a lookup key, and a key is used only for the
 * algorithm family of its type (an ES256 header never selects an Ed25519 key, nor the reverse).
 */
import { createRemoteJWKSet, importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from "jose";
import { TokenRejected } from "./challenge";
import type { Algorithm, ResolvedOptions } from "./options";

/**
 * Finds the key for a checked header. Returns the key itself once imported: jose is then handed a
 * CryptoKey rather than a resolver function, which measurably shortens its hot path.
 */
export type KeyResolver = (header: JWSHeaderParameters & { alg: Algorithm }) => CryptoKey | Promise<CryptoKey>;

/** Key type and curve each accepted algorithm needs. */
const KEY_TYPE: Record<Algorithm, { kty: string; crv: string }> = {
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  ES256: { kty: "EC", crv: "P-256" },
};

interface LocalKey {
  jwk: JWK;
  /** Imported keys per algorithm: a promise while importing, then the key itself (no await on the hot path). */
  imported: Map<Algorithm, CryptoKey | Promise<CryptoKey>>;
}

function usable(k: LocalKey, alg: Algorithm): boolean {
  const want = KEY_TYPE[alg];
  return (k.jwk.alg === undefined || k.jwk.alg === alg) && k.jwk.kty === want.kty && k.jwk.crv === want.crv;
}

function importFor(k: LocalKey, alg: Algorithm): CryptoKey | Promise<CryptoKey> {
  const known = k.imported.get(alg);
  if (known !== undefined) return known;
  const pending = (importJWK(k.jwk, alg) as Promise<CryptoKey>).then(
    (key) => {
      k.imported.set(alg, key);
      return key;
    },
    (err: unknown) => {
      k.imported.delete(alg); // let a later request retry instead of caching the failure
      throw err;
    },
  );
  k.imported.set(alg, pending);
  return pending;
}

/** Resolver over keys given in the options. Called after the algorithm allowlist check. */
function localKeys(jwks: JWK[]): KeyResolver {
  const all: LocalKey[] = jwks.map((jwk) => ({ jwk, imported: new Map() }));
  const byKid = new Map<string, LocalKey[]>();
  for (const k of all) if (k.jwk.kid !== undefined) byKid.set(k.jwk.kid, [...(byKid.get(k.jwk.kid) ?? []), k]);
  return (header) => {
    const { alg } = header;
    // Without a kid the token may still name exactly one usable key (RFC 9068 does not require kid).
    const candidates = header.kid === undefined ? all : byKid.get(header.kid);
    let found: LocalKey | undefined;
    for (const k of candidates ?? []) {
      if (!usable(k, alg)) continue;
      if (found !== undefined) throw new TokenRejected("more than one signing key matches; the token must name its kid");
      found = k;
    }
    if (found === undefined) throw new TokenRejected("no matching signing key");
    return importFor(found, alg);
  };
}

/**
 * The key resolver for the configured source.
 * @example const getKey = keyResolver({ kind: "local", keys: jwks.keys }); await jwtVerify(token, getKey, opts);
 */
export function keyResolver(source: ResolvedOptions["source"]): KeyResolver {
  if (source.kind === "local") return localKeys(source.keys);
  // jose keeps the set, refetches when it is older than cacheMaxAge, and on an unknown kid only once the
  // cooldown has passed; concurrent refetches share one request.
  const remote = createRemoteJWKSet(source.url, { cooldownDuration: source.cooldownMs, cacheMaxAge: source.maxAgeMs, timeoutDuration: source.timeoutMs });
  return (header) => remote(header);
}
