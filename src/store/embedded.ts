/**
 * The embedded adapter of the state store ports (Node only): rows of the `state_entries` table in the app's
 * libSQL database file, so state survives restarts. Used when no Upstash is configured.
 *
 * It talks to the file through the `libsql` driver directly (the engine under @libsql/client): statements
 * are prepared once, and each call — a rotation included — is one synchronous transaction. Nothing else in
 * this process can run in between (the driver is synchronous), so calls are atomic here by construction;
 * against other processes sharing the file (the admin CLI) SQLite's write lock decides, and a call that
 * meets it retries after short async pauses rather than blocking the event loop in `busy_timeout`.
 */
import { localConnection } from "../db/local-connection";
import { isBusyError } from "../db/busy-retry";
import { sqliteFilePath } from "../db/client";
import {
  ENTITLEMENTS_FIELD,
  MARK_ID_SEPARATOR,
  REFRESH_MARKS,
  entitlementsKey,
  StoreUnavailableError,
  markKey,
  markKeyPrefix,
  type MarkRef,
  authorizedAtMs,
  type RefreshRecord,
  type RestoreInput,
  type RevocationMark,
  type RotateInput,
  type RotateOutcome,
  type StateStore,
  type StoredRefresh,
} from "./store";

/** Options of {@link createEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** The libSQL database URL (`file:…`) whose migrations are applied. */
  url: string;
  /** Clock for TTLs (epoch ms). Default `Date.now`. */
  now?: () => number;
}

const BUSY_RETRY_MS = 5000;
const PURGE_EVERY_MS = 60_000;

/** SQLite error codes that mean our SQL is wrong, not that the database is unavailable. */
const BUG_CODES = /^(SQLITE_ERROR|SQLITE_CONSTRAINT|SQLITE_MISMATCH|SQLITE_RANGE|SQLITE_TOOBIG|SQLITE_MISUSE)/;

function isBug(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return BUG_CODES.test(code);
  return err instanceof SyntaxError || err instanceof RangeError || err instanceof ReferenceError || err instanceof TypeError;
}

/** Upsert of a mark that never lowers an existing live one; args ?1 key, ?2 at, ?3 expiresAt, ?4 now. */
const UPSERT_MARK = `
INSERT INTO state_entries (key, value, spent, expires_at) VALUES (?1, ?2, NULL, ?3)
ON CONFLICT(key) DO UPDATE SET
  value = CASE WHEN state_entries.expires_at <= ?4
    OR CAST(excluded.value AS INTEGER) > CAST(state_entries.value AS INTEGER)
    THEN excluded.value ELSE state_entries.value END,
  expires_at = CASE WHEN state_entries.expires_at <= ?4
    OR CAST(excluded.value AS INTEGER) > CAST(state_entries.value AS INTEGER)
    THEN excluded.expires_at ELSE MAX(state_entries.expires_at, excluded.expires_at) END,
  spent = NULL`;

const UPSERT = `
INSERT INTO state_entries (key, value, spent, expires_at) VALUES (?1, ?2, NULL, ?3)
ON CONFLICT(key) DO UPDATE SET value = excluded.value, spent = NULL, expires_at = excluded.expires_at`;

/**
 * The token and the newest mark covering its family, session or account: the mark keys are spelled from
 * `REFRESH_MARKS`, the definition `markKey` and the rotate script use.
 */
const READ_TOKEN = `
SELECT e.value AS value, e.spent AS spent, (
  SELECT MAX(CAST(m.value AS INTEGER)) FROM state_entries m
  WHERE m.key IN (${REFRESH_MARKS.map((m) => `'${markKeyPrefix(m.kind)}' || ${m.fields.map((f) => `json_extract(e.value, '$.${f}')`).join(` || '${MARK_ID_SEPARATOR}' || `)}`).join(", ")})
    AND m.expires_at > ?2) AS newest, (
  SELECT p.value FROM state_entries p
  WHERE p.key = '${entitlementsKey("")}' || json_extract(e.value, '$.${ENTITLEMENTS_FIELD}') AND p.expires_at > ?2) AS entitlements
FROM state_entries e WHERE e.key = ?1 AND e.expires_at > ?2`;

function ttlMs(seconds: number): number {
  return Math.max(1, Math.ceil(seconds)) * 1000;
}

/** The path the driver opens; the embedded store exists only on a `file:` database. */
function pathOf(url: string): string {
  if (!url.startsWith("file:")) throw new Error("the embedded store needs a file: database URL");
  return sqliteFilePath(url);
}

type Row = { value: string; spent: string | null; newest?: number | bigint | null; entitlements?: string | null };

/**
 * The `spent` column: NULL while live, the epoch ms of use once spent, `R<epoch ms>` once a retry inside
 * the grace window was answered with the successor (the rotation can then never be undone).
 */
const SERVED = "R";
const spentTime = (spent: string): number => Number(spent.startsWith(SERVED) ? spent.slice(1) : spent);

/**
 * The first row of a statement run to completion. Never `get()`: it steps once and leaves the statement
 * open, and an open statement keeps its implicit transaction — a DELETE … RETURNING would not be committed
 * (and is rolled back when the statement is reset), a SELECT would keep holding its read lock.
 */
function first<T>(rows: unknown[]): T | undefined {
  return rows[0] as T | undefined;
}

/**
 * Create the libSQL-backed state store.
 * @example const store = createEmbeddedStore({ url: "file:./.data/authbridge.db" });
 */
export function createEmbeddedStore(opts: EmbeddedStoreOptions): StateStore {
  const db = localConnection(pathOf(opts.url));
  const clock = opts.now ?? Date.now;
  let roundTrips = 0;
  let lastPurge = clock();
  // Statements are prepared on first use: the tables may not exist yet when the store is built
  // (migrations run after the dependencies are assembled).
  let prepared: ReturnType<typeof prepare> | undefined;
  const s = () => (prepared ??= prepare());

  function prepare() {
    // In WAL mode (set on the file at start) NORMAL sync is durable across process crashes and spares an
    // fsync per commit; the setting belongs to this connection.
    const mode = first<{ journal_mode?: string }>(db.prepare("PRAGMA journal_mode").all())?.journal_mode;
    if (String(mode).toLowerCase() === "wal") db.exec("PRAGMA synchronous = NORMAL");
    const q = {
      get: db.prepare("SELECT value FROM state_entries WHERE key = ? AND expires_at > ?"),
      take: db.prepare("DELETE FROM state_entries WHERE key = ? AND expires_at > ? RETURNING value"),
      del: db.prepare("DELETE FROM state_entries WHERE key = ?"),
      upsert: db.prepare(UPSERT),
      mark: db.prepare(UPSERT_MARK),
      purge: db.prepare("DELETE FROM state_entries WHERE expires_at <= ?"),
      readToken: db.prepare(READ_TOKEN),
      spend: db.prepare("UPDATE state_entries SET spent = ?, expires_at = ? WHERE key = ?"),
      unspend: db.prepare("UPDATE state_entries SET spent = NULL, expires_at = ? WHERE key = ?"),
      readEntry: db.prepare("SELECT value, spent, expires_at FROM state_entries WHERE key = ? AND expires_at > ?"),
      ping: db.prepare("SELECT 1"),
    };
    const newestByCount = new Map<number, ReturnType<typeof db.prepare>>();
    const newest = (n: number) => {
      let st = newestByCount.get(n);
      if (!st) {
        st = db.prepare(`SELECT MAX(CAST(value AS INTEGER)) AS newest FROM state_entries WHERE key IN (${Array(n).fill("?").join(", ")}) AND expires_at > ?`);
        newestByCount.set(n, st);
      }
      return st;
    };
    const writeMark = (key: string, at: number, ttlSeconds: number, now: number) => q.mark.run(key, String(Math.trunc(at)), now + ttlMs(ttlSeconds), now);

    // One rotation, inside an open transaction.
    const rotateOne = (input: RotateInput): RotateOutcome => {
      const storeNow = clock();
      const now = input.now;
      const row = first<Row>(q.readToken.all(input.key, storeNow));
      if (!row) return { outcome: "unknown" };
      const record = JSON.parse(row.value) as RefreshRecord;
      if (record.exp * 1000 <= now) return { outcome: "unknown" };
      // Marks compare with when the grant was authorized, which rotation never moves.
      if (row.newest !== null && row.newest !== undefined && Number(row.newest) >= authorizedAtMs(record)) return { outcome: "revoked", record };
      const keepFor = Math.max(1, record.exp - Math.floor(now / 1000));
      if (row.spent !== null) {
        const spentAt = spentTime(row.spent);
        if (input.graceSeconds > 0 && now - spentAt <= input.graceSeconds * 1000 && input.clientId === record.clientId) {
          if (!row.spent.startsWith(SERVED)) q.spend.run(SERVED + row.spent, storeNow + keepFor * 1000, input.key);
          return { outcome: "retry", record, spentAt, ...(row.entitlements ? { entitlements: row.entitlements } : {}) };
        }
        writeMark(markKey({ kind: "family", id: record.family }), now, Math.max(keepFor, input.minMarkTtlSeconds ?? 0), storeNow);
        return { outcome: "reuse", record };
      }
      if (input.clientId !== record.clientId) return { outcome: "wrong_client", record };
      q.spend.run(String(Math.trunc(now)), storeNow + keepFor * 1000, input.key);
      const successor: RefreshRecord = { ...record, iat: Math.floor(now / 1000) };
      q.upsert.run(input.successorKey, JSON.stringify(successor), storeNow + ttlMs(Math.min(input.idleTtlSeconds, keepFor)));
      return { outcome: "rotated", record, successor, ...(row.entitlements ? { entitlements: row.entitlements } : {}) };
    };
    // Several rotations, one after another, in ONE transaction: one WAL commit for all (see rotateRefresh).
    const rotateBatch = db.transaction((inputs: RotateInput[]): RotateOutcome[] => inputs.map(rotateOne)).immediate;

    // Compare-and-set: see RefreshStore.restoreRefresh.
    const restore = db.transaction((input: RestoreInput): boolean => {
      const storeNow = clock();
      const presented = first<{ value: string; spent: string | null }>(q.readEntry.all(input.key, storeNow));
      if (!presented || presented.spent !== String(Math.trunc(input.spentAt))) return false;
      const successor = first<{ spent: string | null; expires_at: number }>(q.readEntry.all(input.successorKey, storeNow));
      if (!successor || successor.spent !== null) return false;
      q.unspend.run(successor.expires_at, input.key);
      q.del.run(input.successorKey);
      return true;
    }).immediate;

    const revoke = db.transaction((marks: RevocationMark[], now: number) => {
      for (const m of marks) writeMark(markKey(m), m.at, m.ttlSeconds, now);
    }).immediate;

    return { q, newest, rotateBatch, restore, revoke };
  }

  /** One round trip: run `fn`, retry while another process holds the lock, map failures. */
  async function call<T>(what: string, fn: () => T): Promise<T> {
    roundTrips++;
    const deadline = Date.now() + BUSY_RETRY_MS;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (isBusyError(err) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
          continue;
        }
        if (isBug(err)) throw err;
        throw new StoreUnavailableError(`embedded store ${what} failed: ${(err as Error)?.message}`, { cause: err });
      }
    }
  }

  /**
   * Group commit: the rotations asked for during one turn of the event loop run in one transaction, one
   * after another in the order asked — the outcomes of running them singly, for one WAL commit instead of
   * one each (the commit was the largest cost of a refresh on this store). Each still counts as one round
   * trip; a failure of the transaction fails every rotation in it, and nothing of it is kept.
   */
  let pending: Array<{ input: RotateInput; resolve(o: RotateOutcome): void; reject(e: unknown): void }> | undefined;
  function flushRotations(): void {
    const batch = pending ?? [];
    pending = undefined;
    roundTrips += batch.length - 1; // call() counts one
    call("rotateRefresh", () => s().rotateBatch(batch.map((b) => b.input))).then(
      (outcomes) => batch.forEach((b, i) => b.resolve(outcomes[i]!)),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  }

  return {
    get roundTrips() {
      return roundTrips;
    },

    put(key, value, ttlSeconds) {
      return call("put", () => {
        const now = clock();
        s().q.upsert.run(key, value, now + ttlMs(ttlSeconds));
        // Expired rows are invisible to reads; sweep them now and then so the table stays small.
        if (now - lastPurge >= PURGE_EVERY_MS) {
          lastPurge = now;
          s().q.purge.run(now);
        }
      });
    },

    get(key) {
      return call("get", () => first<{ value: string }>(s().q.get.all(key, clock()))?.value ?? null);
    },

    take(key) {
      return call("take", () => first<{ value: string }>(s().q.take.all(key, clock()))?.value ?? null);
    },

    delete(key) {
      return call("delete", () => {
        s().q.del.run(key);
      });
    },

    putRefresh(key, record, ttlSeconds) {
      return call("putRefresh", () => {
        s().q.upsert.run(key, JSON.stringify(record), clock() + ttlMs(ttlSeconds));
      });
    },

    getRefresh(key): Promise<StoredRefresh | null> {
      return call("getRefresh", () => {
        const row = first<Row>(s().q.readToken.all(key, clock()));
        if (!row) return null;
        return { record: JSON.parse(row.value) as RefreshRecord, spentAt: row.spent === null ? null : spentTime(row.spent) };
      });
    },

    rotateRefresh(input) {
      return new Promise<RotateOutcome>((resolve, reject) => {
        if (!pending) {
          pending = [];
          setImmediate(flushRotations);
        }
        pending.push({ input, resolve, reject });
      });
    },

    restoreRefresh(input) {
      return call("restoreRefresh", () => s().restore(input));
    },

    revoke(marks: RevocationMark[]) {
      // Nothing to send, so no round trip (same as the Upstash adapter).
      if (marks.length === 0) return Promise.resolve();
      return call("revoke", () => s().revoke(marks, clock()));
    },

    newestMark(refs: MarkRef[]) {
      if (refs.length === 0) return Promise.resolve(null);
      return call("newestMark", () => {
        const newest = first<{ newest: number | bigint | null }>(s().newest(refs.length).all([...refs.map(markKey), clock()]))?.newest;
        return newest === null || newest === undefined ? null : Number(newest);
      });
    },

    ping() {
      return call("ping", () => {
        s().q.ping.all();
      });
    },
  };
}
