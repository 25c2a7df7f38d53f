/**
 * Revocation checks run on every request, after the (possibly cached) signature check:
 * - `store`: one `newestMark` call on the issuer's state store covering the token's jti, grant, session,
 *   account and client — one round trip, exact, no staleness; or, with `storeCacheMs`, the answer reused
 *   per `jti` for at most that long (opt-in bounded staleness, never past the token's `exp`).
 * - `introspect`: the issuer's RFC 7662 endpoint, its answer reused per `jti` for at most `cacheMs` and
 *   never past the token's `exp`; concurrent requests for one jti share one call.
 * A store or introspection failure is VerifierUnavailable (503): the token is neither accepted nor refused.
 */
import { accessTokenMarkRefs, isCoveredByMark } from "../store/store";
import { TtlLru } from "./cache";
import { VerifierUnavailable } from "./challenge";
import { introspector, SHARE_ACROSS_REQUESTS } from "./introspection";
import type { ResolvedOptions } from "./options";
import type { JwtAuthInfo } from "./token";

/** Resolves true when the token is revoked (or inactive); rejects with VerifierUnavailable. */
export type RevocationCheck = (auth: JwtAuthInfo, token: string, nowMs: number) => Promise<boolean>;

/** Counters of the revocation check. */
export interface RevocationStats {
  /** Store lookups made (store mode). */
  storeChecks: number;
  /** Introspection calls made over the network (introspect mode). */
  introspections: number;
}

function storeCheck(o: Extract<ResolvedOptions["revocation"], { kind: "store" }>, maxEntries: number, stats: RevocationStats): RevocationCheck {
  const { store, cacheMs } = o;
  // Bounded staleness (opt-in): a token's answer is reused for at most cacheMs, keyed by jti.
  const answers = cacheMs > 0 ? new TtlLru<boolean>(maxEntries) : undefined;
  return async (auth, _token, nowMs) => {
    const known = answers?.get(auth.claims.jti, nowMs);
    if (known !== undefined) return known;
    const refs = accessTokenMarkRefs(auth.claims);
    stats.storeChecks++;
    let mark: number | null;
    try {
      mark = await store.newestMark(refs);
    } catch (cause) {
      throw new VerifierUnavailable("the revocation store did not answer", { cause });
    }
    const revoked = isCoveredByMark(mark, auth.claims.iat);
    answers?.set(auth.claims.jti, revoked, Math.min(nowMs + cacheMs, auth.claims.exp * 1000), nowMs);
    return revoked;
  };
}

function introspectCheck(
  o: Extract<ResolvedOptions["revocation"], { kind: "introspect" }>,
  maxEntries: number,
  stats: RevocationStats,
): RevocationCheck {
  const answers = new TtlLru<boolean>(maxEntries);
  const inFlight = new Map<string, Promise<boolean>>();
  const introspect = introspector(o);

  function ask(token: string): Promise<boolean> {
    stats.introspections++;
    return introspect(token, "access_token").then((answer) => answer.active);
  }

  return async (auth, token, nowMs) => {
    const { jti, exp } = auth.claims;
    const known = answers.get(jti, nowMs);
    if (known !== undefined) return !known;
    let pending = SHARE_ACROSS_REQUESTS ? inFlight.get(jti) : undefined;
    if (pending === undefined) {
      pending = ask(token).finally(() => inFlight.delete(jti));
      if (SHARE_ACROSS_REQUESTS) inFlight.set(jti, pending);
    }
    const active = await pending;
    answers.set(jti, active, Math.min(nowMs + o.cacheMs, exp * 1000), nowMs);
    return !active;
  };
}

/**
 * The check for the configured mode, or null when revocation is off.
 * @example const check = createRevocationCheck(resolved, stats); if (check && (await check(auth, token, now))) refuse();
 */
export function createRevocationCheck(o: ResolvedOptions, stats: RevocationStats): RevocationCheck | null {
  const r = o.revocation;
  if (r.kind === "store") return storeCheck(r, o.maxEntries, stats);
  // One bound for both caches: `cache.maxEntries: 0` turns off answer reuse as well.
  if (r.kind === "introspect") return introspectCheck(r, o.maxEntries, stats);
  return null;
}
