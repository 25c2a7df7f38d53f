/**
 * The state store ports: everything short-lived that must be atomic — flow state, authorization codes,
 * refresh-token rotation and revocation marks. The store is split by use, so each consumer is handed only
 * the part it reads ({@link FlowStore}, {@link RefreshStore}, {@link MarkReader} / {@link MarkStore}); the two
 * adapters (Upstash Redis and an embedded libSQL store) implement all of it ({@link StateStore}) and both pass
 * the one contract suite in `test/store/contract.ts`.
 *
 * Keys are logical (`code:abc`, `rt:<hash>`); adapters add their own namespace prefix.
 */

/**
 * Kinds of revocation marks, the one list every mark key is built from (TypeScript, the Lua scripts and the
 * embedded store's SQL). A mark's value is the time (epoch ms) of revocation. `family` covers a grant (its
 * refresh tokens and the access tokens issued from it), `client` the tokens of a disabled client, `consent`
 * the tokens one client holds for one account (a "Connected apps" revoke; id: {@link consentMarkId}).
 */
export const MARK_KINDS = ["jti", "session", "family", "account", "client", "consent"] as const;

/** One kind of revocation mark. */
export type MarkKind = (typeof MARK_KINDS)[number];

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
  /**
   * When the grant was authorized (the person's consent behind the code), epoch ms; never moves on
   * rotation. Family, session and account marks are compared with it, so a family born from a code that
   * predates a block, logout or session revoke is covered however often it rotates. Records written
   * before this field existed fall back to `iat` (see {@link authorizedAtMs}).
   */
  authAt?: number;
  /** Absolute expiry of the family, epoch seconds. */
  exp: number;
  /** Opaque to the store (scope, resource, …), JSON-encoded by the caller. */
  data: string;
}

/** Input of {@link RefreshStore.rotateRefresh}. */
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
  /**
   * The least time a family mark written on reuse must live, seconds (default: the family's remaining
   * life): the family's access tokens carry its id and may outlive the family by up to their own lifetime.
   */
  minMarkTtlSeconds?: number;
}

/** Result of one atomic rotation. `record` is always the presented token's record. */
export type RotateOutcome =
  /**
   * The presented token was live; it is now spent and `successor` is stored. `entitlements`: the value
   * stored under {@link entitlementsKey} for the record's subject, read in the same call (absent when none).
   */
  | { outcome: "rotated"; record: RefreshRecord; successor: RefreshRecord; entitlements?: string }
  /**
   * Spent within the grace window by the same client: the caller answers with the same successor, and the
   * store notes that it was handed out (so the rotation can no longer be undone); `spentAt` is when (epoch ms).
   */
  | { outcome: "retry"; record: RefreshRecord; spentAt: number; entitlements?: string }
  /** Spent earlier (or by another client): the whole family was revoked by this call. */
  | { outcome: "reuse"; record: RefreshRecord }
  /** The family, session or account carries a revocation mark at or after the grant's authorization. */
  | { outcome: "revoked"; record: RefreshRecord }
  /** Live but bound to another client: refused, nothing changed. */
  | { outcome: "wrong_client"; record: RefreshRecord }
  /** No such token, or expired. */
  | { outcome: "unknown" };

/**
 * Input of {@link RefreshStore.restoreRefresh}: undo the rotation made at `spentAt` from `key` to
 * `successorKey`, because the grant failed before anyone was given the successor.
 */
export interface RestoreInput {
  key: string;
  successorKey: string;
  /** The `now` of the rotation being undone (epoch ms): the spent marker must still be exactly that one. */
  spentAt: number;
}

/** A stored refresh token as read by {@link RefreshStore.getRefresh}. */
export interface StoredRefresh {
  record: RefreshRecord;
  /** When it was rotated (epoch ms), or null while live. */
  spentAt: number | null;
}

/** Flow state (pending requests, codes, cached checks): key-value with a TTL. One round trip per call. */
export interface FlowStore {
  /** Store `value` under `key` for `ttlSeconds`, replacing any previous value. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Read a live value without consuming it. */
  get(key: string): Promise<string | null>;
  /** Read and delete atomically: of any number of concurrent callers, exactly one gets the value. */
  take(key: string): Promise<string | null>;
  /** Delete a key (no error when absent). */
  delete(key: string): Promise<void>;
}

/** Refresh families: issue, read, rotate and undo a rotation. One round trip per call. */
export interface RefreshStore {
  /** Store the first refresh token of a family. */
  putRefresh(key: string, record: RefreshRecord, ttlSeconds: number): Promise<void>;
  /** Read a refresh token (live or spent) without changing it; null when absent or expired. */
  getRefresh(key: string): Promise<StoredRefresh | null>;
  /** Rotate a refresh token in one atomic step; see {@link RotateOutcome}. */
  rotateRefresh(input: RotateInput): Promise<RotateOutcome>;
  /**
   * Atomically undo a rotation whose successor nobody received (compare-and-set): only while the presented
   * token is still spent by exactly that rotation, no retry inside the grace window was answered with the
   * successor, and the successor is live and unused. Then the presented token is live again and the
   * successor is gone; otherwise nothing changes. True when restored.
   */
  restoreRefresh(input: RestoreInput): Promise<boolean>;
}

/**
 * What the verify path reads: the newest revocation mark. `requireAuth({ revocation: "store" })` takes
 * just this, so any object with `newestMark` (a whole store included) will do.
 */
export interface MarkReader {
  /**
   * The multi-key check: the newest mark (epoch ms) among `refs`, or null when none exists.
   * A token issued at `iat` seconds is revoked when the result is `>= iat * 1000`.
   */
  newestMark(refs: MarkRef[]): Promise<number | null>;
}

/** Revocation marks: write and read. One round trip per call. */
export interface MarkStore extends MarkReader {
  /** Write revocation marks (one round trip). A later mark of the same kind/id replaces an earlier one. */
  revoke(marks: RevocationMark[]): Promise<void>;
}

/** The backing store as a whole: a health probe and a round-trip count. */
export interface StoreProbe {
  /** Cheap liveness probe for `/healthz`; rejects when the store does not answer. */
  ping(): Promise<void>;
  /** Round trips made so far (for benchmarks and the one-round-trip tests). */
  readonly roundTrips: number;
}

/**
 * Everything an adapter implements; the app's dependencies hold one and hand out its parts.
 * @example const refresh = createRefreshService(deps.store, secret, policy); // takes the RefreshStore part
 */
export interface StateStore extends FlowStore, RefreshStore, MarkStore, StoreProbe {}

/** When a record's grant was authorized (epoch ms): what family, session and account marks compare with. */
export function authorizedAtMs(record: RefreshRecord): number {
  return record.authAt ?? record.iat * 1000;
}

/** What an access token carries that a mark can name (RFC 9068 claims, `gid` = its grant's family). */
export interface MarkableAccessToken {
  jti: string;
  sub: string;
  client_id: string;
  sid?: string | undefined;
  gid?: string | undefined;
}

/**
 * Every mark that can revoke an access token: its own `jti`, its grant (a revoked refresh token or a
 * detected reuse, RFC 7009 §2.1), its session, its account, its client, and its client's hold on its
 * account (a revoked consent). One definition for
 * introspection, userinfo and `requireAuth({ revocation: "store" })`, so no path forgets one.
 */
export function accessTokenMarkRefs(t: MarkableAccessToken): MarkRef[] {
  const refs: MarkRef[] = [
    { kind: "jti", id: t.jti },
    { kind: "account", id: t.sub },
    { kind: "client", id: t.client_id },
    { kind: "consent", id: consentMarkId(t.sub, t.client_id) },
  ];
  if (t.sid !== undefined) refs.push({ kind: "session", id: t.sid });
  if (t.gid !== undefined) refs.push({ kind: "family", id: t.gid });
  return refs;
}

/** Whether a token issued at `iatSeconds` is covered by a mark at `markMs`. */
export function isCoveredByMark(markMs: number | null, iatSeconds: number): boolean {
  return markMs !== null && markMs >= iatSeconds * 1000;
}

/** Logical key prefix of the marks of one kind (`rev:family:`): what Lua and SQL prepend to an id. */
export function markKeyPrefix(kind: MarkKind): string {
  return `rev:${kind}:`;
}

/**
 * Logical key of a revocation mark.
 * @example markKey({ kind: "session", id: "ses_1" }) // "rev:session:ses_1"
 */
export function markKey(ref: MarkRef): string {
  return markKeyPrefix(ref.kind) + ref.id;
}

/** What joins the fields of a mark id made of several (`consent`: account, then client). */
export const MARK_ID_SEPARATOR = "|";

/**
 * The id of the `consent` mark of a client's tokens for an account. Account ids never contain the
 * separator, so no two (account, client) pairs share an id whatever a client id holds.
 * @example consentMarkId("acct_1", "https://app.example.com/client.json") // "acct_1|https://app.example.com/client.json"
 */
export function consentMarkId(accountId: string, clientId: string): string {
  return `${accountId}${MARK_ID_SEPARATOR}${clientId}`;
}

/** The record fields whose values, joined by {@link MARK_ID_SEPARATOR}, form a mark's id. */
type MarkFields = readonly [keyof RefreshRecord, ...(keyof RefreshRecord)[]];

/**
 * The marks that cover a refresh family, each with the record fields holding its id: what a rotation and a
 * refresh token's introspection check. The rotate script and the embedded store's SQL are generated from it.
 */
export const REFRESH_MARKS = [
  { kind: "family", fields: ["family"] },
  { kind: "session", fields: ["sid"] },
  { kind: "account", fields: ["sub"] },
  { kind: "consent", fields: ["sub", "clientId"] },
] as const satisfies readonly { kind: MarkKind; fields: MarkFields }[];

/**
 * The marks that can revoke a refresh token (see {@link REFRESH_MARKS}).
 * @example await store.newestMark(refreshMarkRefs(record));
 */
export function refreshMarkRefs(record: RefreshRecord): MarkRef[] {
  return REFRESH_MARKS.map((m) => ({ kind: m.kind, id: m.fields.map((f) => String(record[f])).join(MARK_ID_SEPARATOR) }));
}

/**
 * Logical key under which an account's current entitlements are published (by the accounts module, with
 * `put`), so that a rotation returns them in its one round trip and a refresh reads no database.
 * @example entitlementsKey("acct_1") // "ent:acct_1"
 */
export function entitlementsKey(sub: string): string {
  return `ent:${sub}`;
}

/** The record field the published entitlements are keyed by (see {@link entitlementsKey}). */
export const ENTITLEMENTS_FIELD = "sub" satisfies keyof RefreshRecord;

/** Thrown by adapters when the backing store does not answer (mapped to 503). */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
