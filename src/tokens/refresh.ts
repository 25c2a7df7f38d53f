/**
 * Refresh tokens: opaque 256-bit strings, stored only under their SHA-256, bound to client and session,
 * grouped in families, rotated on every use by ONE atomic store call.
 *
 * A token's successor is derived from the token itself (HMAC under a key from AUTHBRIDGE_SECRET), so a
 * client retrying a refresh whose response was lost — within the grace window — is answered with the very
 * same successor, without the store keeping any response.
 */
import { ID_PREFIX, newId, randomToken, sha256 } from "../lib/ids";
import { hmacKey } from "../lib/digest";
import { deriveKey, toBase64Url } from "../lib/secret";
import type { RefreshRecord, RefreshStore, RotateOutcome } from "../store/store";

const TOKEN_PREFIX = "rt_";

/** What a family grants, kept in the record's opaque `data`. */
export interface RefreshGrant {
  /**
   * Scopes asked for at authorization (empty: whatever the subject is entitled to). A refresh may narrow,
   * never widen them; every issuance intersects them with the subject's current entitlements.
   */
  scopes: string[];
  /** Audience of the access tokens. */
  aud: string;
  /** OpenID Connect: when the person signed in (epoch ms), the `auth_time` of every refreshed ID token. */
  authTime?: number;
}

/** Lifetimes and grace, in seconds. */
export interface RefreshPolicy {
  absoluteTtl: number;
  idleTtl: number;
  grace: number;
  /**
   * The least a family mark written on reuse must live (the access-token lifetime and a margin): the
   * family's access tokens carry its id and can outlive the family itself. Default: none beyond the family.
   */
  markTtl?: number;
}

/** Result of a rotation, with the token the client gets when it may continue. */
export type Rotation =
  | {
      ok: true;
      outcome: "rotated" | "retry";
      token: string;
      record: RefreshRecord;
      grant: RefreshGrant;
      issuedAt: number;
      jti: string;
      /** The subject's published entitlements, read by the same store call (opaque here), when any. */
      entitlements?: string;
    }
  | { ok: false; outcome: Exclude<RotateOutcome["outcome"], "rotated" | "retry">; record?: RefreshRecord };

/** True for strings shaped like our refresh tokens (cheap pre-check; never proof). */
export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length >= 40 && token.length <= 100;
}

/** Store key of a refresh token. */
export async function refreshKey(token: string): Promise<string> {
  return `rt:${await sha256(token)}`;
}

/** The refresh-token machinery over a state store. */
export interface RefreshService {
  /**
   * Start a family: returns the first token (shown to the client once). `authAt` is when the grant was
   * authorized (epoch ms; default `now`): revocation marks from then on cover the family.
   */
  issue(input: { clientId: string; sub: string; sid: string; grant: RefreshGrant; authAt?: number; now: number }): Promise<{ token: string; record: RefreshRecord }>;
  /** Rotate a presented token for `clientId` in one store round trip. */
  rotate(presented: string, clientId: string, now: number): Promise<Rotation>;
  /**
   * Undo the rotation made at `rotatedAt` whose answer could not be given (the grant failed after
   * rotating): the presented token is live again and the undelivered successor is removed, so a later
   * request is not mistaken for reuse. One atomic compare-and-set in the store, refused once the successor
   * was handed out (a retry inside the grace window) or used: an undo never resurrects a token whose
   * successor someone holds. Off the hot path: only failures pay this round trip.
   */
  restore(presented: string, rotatedAt: number): Promise<boolean>;
}

/**
 * Build the service.
 * @example const refresh = createRefreshService(store, config.secret, { absoluteTtl, idleTtl, grace });
 */
export function createRefreshService(store: RefreshStore, secret: Uint8Array, policy: RefreshPolicy): RefreshService {
  const macKey = deriveKey(secret, "refresh-successor").then(hmacKey);
  async function mac(label: string, token: string): Promise<string> {
    return toBase64Url(await (await macKey).sign(`${label}:${token}`));
  }

  return {
    async issue({ clientId, sub, sid, grant, authAt, now }) {
      const token = TOKEN_PREFIX + randomToken(32);
      const iat = Math.floor(now / 1000);
      const record: RefreshRecord = {
        family: newId("family"),
        clientId,
        sub,
        sid,
        iat,
        authAt: authAt ?? now,
        exp: iat + policy.absoluteTtl,
        data: JSON.stringify(grant),
      };
      await store.putRefresh(await refreshKey(token), record, Math.min(policy.idleTtl, policy.absoluteTtl));
      return { token, record };
    },

    async rotate(presented, clientId, now) {
      if (!looksLikeRefreshToken(presented)) return { ok: false, outcome: "unknown" };
      const successor = TOKEN_PREFIX + (await mac("successor", presented));
      const [key, successorKey, jtiMac] = await Promise.all([refreshKey(presented), refreshKey(successor), mac("jti", presented)]);
      const result = await store.rotateRefresh({ key, clientId, successorKey, idleTtlSeconds: policy.idleTtl, graceSeconds: policy.grace, now, minMarkTtlSeconds: policy.markTtl });
      if (result.outcome !== "rotated" && result.outcome !== "retry") return { ok: false, outcome: result.outcome, ...("record" in result ? { record: result.record } : {}) };
      const issuedAt = Math.floor((result.outcome === "retry" ? result.spentAt : now) / 1000);
      return {
        ok: true,
        outcome: result.outcome,
        token: successor,
        record: result.record,
        grant: JSON.parse(result.record.data) as RefreshGrant,
        issuedAt,
        jti: ID_PREFIX.jti + jtiMac.slice(0, 22),
        ...(result.entitlements !== undefined ? { entitlements: result.entitlements } : {}),
      };
    },

    async restore(presented, rotatedAt) {
      const successor = TOKEN_PREFIX + (await mac("successor", presented));
      const [key, successorKey] = await Promise.all([refreshKey(presented), refreshKey(successor)]);
      return store.restoreRefresh({ key, successorKey, spentAt: rotatedAt });
    },
  };
}
