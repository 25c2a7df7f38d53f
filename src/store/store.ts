/**
 * The state store port: everything short-lived that must be atomic — flow state, authorization codes,
 * refresh-token rotation and revocation marks. Two adapters implement it (Upstash Redis and an embedded
 * libSQL store) and both pass the one contract suite in `test/store/contract.ts`.
 *
 * Keys are logical (`code:abc`, `rt:<hash>`); adapters add their own namespace prefix.
 */

/** Kinds of revocation marks. A mark's value is the time (epoch ms) of revocation. */
export type MarkKind = "jti" | "session" | "family" | "account";

/** A revocation mark to write: everything of `kind`/`id` issued at or before `at` counts as revoked. */
export interface RevocationMark {
  kind: MarkKind;
  id: string;
  /** Epoch milliseconds of the revocation. */
  at: number;
  /** How long the mark must live: at least as long as any token it covers. */
  ttlSeconds: number;
}

/** A mark to look up on the verify or refresh path. */
export interface MarkRef {
  kind: MarkKind;
  id: string;
}

/**
 * The stored form of one refresh token. The store reads only these fields; the token service may keep
 * more in `data` (opaque to the store). The first token of a family is stored with `putRefresh`; later
 * ones are written by `rotateRefresh` (read them with `getRefresh`: what the adapters store is their own
 * business, e.g. a spent marker in front of the record).
 */
export interface RefreshRecord {
  /** Family id: every token descending from one authorization shares it. */
  family: string;
  /** Client the token is bound to. */
  clientId: string;
  /** Account id (the token's subject). */
  sub: string;
  /** Session id. */
  sid: string;
  /** When this token was issued, epoch seconds. */
  iat: number;
  /** Absolute expiry of the family, epoch seconds. */
  exp: number;
  /** Opaque to the store (scope, resource, …), JSON-encoded by the caller. */
  data: string;
}

/** Input of {@link StateStore.rotateRefresh}. */
export interface RotateInput {
  /** Key of the presented refresh token (`rt:<hash>`). */
  key: string;
  /** Client presenting it; must equal the record's `clientId`. */
  clientId: string;
  /**
   * Key of the successor. The caller derives it from the presented token, so a retry names the same
   * successor; the store writes the presented record there with `iat` = now.
   */
  successorKey: string;
  /** Idle lifetime of the successor in seconds; the store caps it at the family's absolute expiry. */
  idleTtlSeconds: number;
  /** Seconds after use in which the same client's retry gets `retry` instead of revoking the family (0: never). */
  graceSeconds: number;
  /** Now, epoch milliseconds (injected so tests can drive the clock). */
  now: number;
}

/** Result of one atomic rotation. `record` is always the presented token's record. */
export type RotateOutcome =
  /** The presented token was live; it is now spent and `successor` is stored. */
  | { outcome: "rotated"; record: RefreshRecord; successor: RefreshRecord }
  /** Spent within the grace window by the same client: nothing changed; `spentAt` is when (epoch ms). */
  | { outcome: "retry"; record: RefreshRecord; spentAt: number }
  /** Spent earlier (or by another client): the whole family was revoked by this call. */
  | { outcome: "reuse"; record: RefreshRecord }
  /** The family, session or account carries a revocation mark covering the token. */
  | { outcome: "revoked"; record: RefreshRecord }
  /** Live but bound to another client: refused, nothing changed. */
  | { outcome: "wrong_client"; record: RefreshRecord }
  /** No such token, or expired. */
  | { outcome: "unknown" };

/** A stored refresh token as read by {@link StateStore.getRefresh}. */
export interface StoredRefresh {
  record: RefreshRecord;
  /** When it was rotated (epoch ms), or null while live. */
  spentAt: number | null;
}

/** The port. Every method is one round trip to the backing store. */
export interface StateStore {
  /** Store `value` under `key` for `ttlSeconds`, replacing any previous value. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Read a live value without consuming it. */
  get(key: string): Promise<string | null>;
  /** Read and delete atomically: of any number of concurrent callers, exactly one gets the value. */
  take(key: string): Promise<string | null>;
  /** Delete a key (no error when absent). */
  delete(key: string): Promise<void>;
  /** Store the first refresh token of a family. */
  putRefresh(key: string, record: RefreshRecord, ttlSeconds: number): Promise<void>;
  /** Read a refresh token (live or spent) without changing it; null when absent or expired. */
  getRefresh(key: string): Promise<StoredRefresh | null>;
  /** Rotate a refresh token in one atomic step; see {@link RotateOutcome}. */
  rotateRefresh(input: RotateInput): Promise<RotateOutcome>;
  /** Write revocation marks (one round trip). A later mark of the same kind/id replaces an earlier one. */
  revoke(marks: RevocationMark[]): Promise<void>;
  /**
   * The multi-key check: the newest mark (epoch ms) among `refs`, or null when none exists.
   * A token issued at `iat` seconds is revoked when the result is `>= iat * 1000`.
   */
  newestMark(refs: MarkRef[]): Promise<number | null>;
  /** Cheap liveness probe for `/healthz`; rejects when the store does not answer. */
  ping(): Promise<void>;
  /** Round trips made so far (for benchmarks and the one-round-trip tests). */
  readonly roundTrips: number;
}

/** Whether a token issued at `iatSeconds` is covered by a mark at `markMs`. */
export function isCoveredByMark(markMs: number | null, iatSeconds: number): boolean {
  return markMs !== null && markMs >= iatSeconds * 1000;
}

/** Logical key of a revocation mark. */
export function markKey(ref: MarkRef): string {
  return `rev:${ref.kind}:${ref.id}`;
}

/** Thrown by adapters when the backing store does not answer (mapped to 503). */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
