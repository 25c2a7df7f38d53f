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
import type { ResolvedOptions } from "./options";
import type { AuthInfo } from "./token";

/** Resolves true when the token is revoked (or inactive); rejects with VerifierUnavailable. */
export type RevocationCheck = (auth: AuthInfo, token: string, nowMs: number) => Promise<boolean>;

/** Counters of the revocation check. */
export interface RevocationStats {
  /** Store lookups made (store mode). */
  storeChecks: number;
  /** Introspection calls made over the network (introspect mode). */
  introspections: number;
}

/**
 * Workers tie I/O to the request that started it and warn (or cancel) when another request waits on it,
 * so concurrent requests share one introspection call on Node only (jose makes the same choice).
 */
const SHARE_ACROSS_REQUESTS = !(typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers");

function basicAuth(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode both parts before Base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  const bytes = new TextEncoder().encode(`${enc(id)}:${enc(secret)}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
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
  const authorization = basicAuth(o.clientId, o.clientSecret);

  async function ask(token: string): Promise<boolean> {
    stats.introspections++;
    let res: Response;
    try {
      res = await fetch(o.url, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        redirect: "manual",
        signal: AbortSignal.timeout(o.timeoutMs),
      });
    } catch (cause) {
      throw new VerifierUnavailable("token introspection did not answer", { cause });
    }
    // A 401 here means OUR client credentials are wrong: a deployment problem, not the caller's token.
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new VerifierUnavailable(`token introspection answered ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (cause) {
      throw new VerifierUnavailable("token introspection answered with malformed JSON", { cause });
    }
    const active = typeof body === "object" && body !== null ? (body as { active?: unknown }).active : undefined;
    if (typeof active !== "boolean") throw new VerifierUnavailable("token introspection answered without \"active\"");
    return active;
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
