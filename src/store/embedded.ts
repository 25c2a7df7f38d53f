/**
 * The embedded adapter of the StateStore port: rows of the `state_entries` table in the app's libSQL
 * database, so state survives restarts. Used on Node when no Upstash is configured.
 *
 * Atomicity: `take` is one `DELETE … RETURNING`; rotation and revocation run in one write transaction.
 * Within a process every call goes through one async mutex (SQLite has a single writer anyway, and this
 * keeps our own calls from meeting SQLITE_BUSY); across processes or other clients sharing the file, busy
 * errors are retried with a short async back-off for a few seconds.
 *
 * Deliberately no `PRAGMA busy_timeout`: the libSQL driver is synchronous, so SQLite's busy handler blocks
 * the event loop — and when the lock holder is another connection in this same process (a second client,
 * or a pooled connection mid-transaction), it cannot finish until the timeout expires. Async retries let
 * the holder commit in the meantime.
 */
import { LibsqlError, type Client, type InStatement, type Transaction } from "@libsql/client";
import {
  StoreUnavailableError,
  markKey,
  type MarkRef,
  type RefreshRecord,
  type RevocationMark,
  type RotateInput,
  type RotateOutcome,
  type StateStore,
} from "./store";
import { isBusyError } from "../db/busy-retry";

/** Options of {@link createEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** A @libsql/client Client over a database whose migrations are applied. */
  client: Client;
  /** Clock for TTLs (epoch ms). Default `Date.now`. */
  now?: () => number;
}

const BUSY_RETRY_MS = 5000;
const PURGE_EVERY_MS = 60_000;

/** Codes that mean our SQL is wrong, not that the database is unavailable. */
const BUG_CODES = /^(SQLITE_ERROR|SQLITE_CONSTRAINT|SQLITE_MISMATCH|SQLITE_RANGE|SQLITE_TOOBIG|SQLITE_MISUSE|SQL_)/;

function isBug(err: unknown): boolean {
  if (err instanceof LibsqlError) return BUG_CODES.test(err.code);
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

function ttlMs(seconds: number): number {
  return Math.max(1, Math.ceil(seconds)) * 1000;
}

/**
 * Create the libSQL-backed state store.
 * @example const store = createEmbeddedStore({ client: createClient({ url: "file:./.data/authbridge.db" }) });
 */
export function createEmbeddedStore(opts: EmbeddedStoreOptions): StateStore {
  const { client } = opts;
  const clock = opts.now ?? Date.now;
  const wal = client
    .execute("PRAGMA journal_mode")
    .then((rs) => String(rs.rows[0]?.[0] ?? "").toLowerCase() === "wal")
    .catch(() => false);
  let roundTrips = 0;
  let lastPurge = clock();
  let queue: Promise<unknown> = Promise.resolve();

  /** Serialise in-process, retry cross-process busy errors, map failures, count one round trip. */
  function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    roundTrips++;
    const run = async (): Promise<T> => {
      const deadline = Date.now() + BUSY_RETRY_MS;
      for (;;) {
        try {
          return await fn();
        } catch (err) {
          if (isBusyError(err) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
            continue;
          }
          if (err instanceof StoreUnavailableError || isBug(err)) throw err;
          throw new StoreUnavailableError(`embedded store ${what} failed: ${(err as Error)?.message}`, {
            cause: err,
          });
        }
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  }

  async function inWriteTx<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    // `synchronous` is per connection (and cannot change inside a transaction), and the client's pool
    // opens connections with the default FULL. Set on the idle connection the transaction takes next: in
    // WAL mode NORMAL is durable across process crashes and spares an fsync per commit.
    if (await wal) await client.execute("PRAGMA synchronous = NORMAL");
    const tx = await client.transaction("write");
    try {
      const out = await fn(tx);
      await tx.commit();
      return out;
    } finally {
      tx.close();
    }
  }

  function markStatement(key: string, at: number, ttlSeconds: number, now: number): InStatement {
    return { sql: UPSERT_MARK, args: [key, String(Math.trunc(at)), now + ttlMs(ttlSeconds), now] };
  }

  async function rotate(tx: Transaction, input: RotateInput): Promise<RotateOutcome> {
    const storeNow = clock();
    const now = input.now;
    // The token and the newest mark covering its family, session or account, in one statement: the mark
    // keys are built from the stored record itself (the same keys `markKey` makes).
    const found = await tx.execute({
      sql: `SELECT e.value, e.spent, (
              SELECT MAX(CAST(m.value AS INTEGER)) FROM state_entries m
              WHERE m.key IN ('rev:family:' || json_extract(e.value, '$.family'),
                              'rev:session:' || json_extract(e.value, '$.sid'),
                              'rev:account:' || json_extract(e.value, '$.sub'))
                AND m.expires_at > ?2) AS newest
            FROM state_entries e WHERE e.key = ?1 AND e.expires_at > ?2`,
      args: [input.key, storeNow],
    });
    const row = found.rows[0];
    if (!row) return { outcome: "unknown" };
    const record = JSON.parse(String(row.value)) as RefreshRecord;
    if (record.exp * 1000 <= now) return { outcome: "unknown" };
    const newest = row.newest;
    if (newest !== null && newest !== undefined && Number(newest) >= record.iat * 1000) {
      return { outcome: "revoked", record };
    }
    const keepFor = Math.max(1, record.exp - Math.floor(now / 1000));
    if (row.spent !== null && row.spent !== undefined) {
      const spentAt = Number(row.spent);
      if (input.graceSeconds > 0 && now - spentAt <= input.graceSeconds * 1000 && input.clientId === record.clientId) {
        return { outcome: "retry", record, spentAt };
      }
      await tx.execute(markStatement(markKey({ kind: "family", id: record.family }), now, keepFor, storeNow));
      return { outcome: "reuse", record };
    }
    if (input.clientId !== record.clientId) return { outcome: "wrong_client", record };
    await tx.execute({
      sql: "UPDATE state_entries SET spent = ?, expires_at = ? WHERE key = ?",
      args: [String(Math.trunc(now)), storeNow + keepFor * 1000, input.key],
    });
    const successor: RefreshRecord = { ...record, iat: Math.floor(now / 1000) };
    await tx.execute({
      sql: UPSERT,
      args: [input.successorKey, JSON.stringify(successor), storeNow + ttlMs(Math.min(input.idleTtlSeconds, keepFor))],
    });
    return { outcome: "rotated", record, successor };
  }

  return {
    get roundTrips() {
      return roundTrips;
    },

    put(key, value, ttlSeconds) {
      return call("put", async () => {
        const now = clock();
        const stmts: InStatement[] = [{ sql: UPSERT, args: [key, value, now + ttlMs(ttlSeconds)] }];
        // Expired rows are invisible to reads; sweep them now and then so the table stays small.
        if (now - lastPurge >= PURGE_EVERY_MS) {
          lastPurge = now;
          stmts.push({ sql: "DELETE FROM state_entries WHERE expires_at <= ?", args: [now] });
        }
        await client.batch(stmts, "write");
      });
    },

    get(key) {
      return call("get", async () => {
        const rs = await client.execute({
          sql: "SELECT value FROM state_entries WHERE key = ? AND expires_at > ?",
          args: [key, clock()],
        });
        const row = rs.rows[0];
        return row ? String(row.value) : null;
      });
    },

    take(key) {
      return call("take", async () => {
        const rs = await client.execute({
          sql: "DELETE FROM state_entries WHERE key = ? AND expires_at > ? RETURNING value",
          args: [key, clock()],
        });
        const row = rs.rows[0];
        return row ? String(row.value) : null;
      });
    },

    delete(key) {
      return call("delete", async () => {
        await client.execute({ sql: "DELETE FROM state_entries WHERE key = ?", args: [key] });
      });
    },

    putRefresh(key, record, ttlSeconds) {
      return call("putRefresh", async () => {
        await client.execute({ sql: UPSERT, args: [key, JSON.stringify(record), clock() + ttlMs(ttlSeconds)] });
      });
    },

    getRefresh(key) {
      return call("getRefresh", async () => {
        const rs = await client.execute({
          sql: "SELECT value, spent FROM state_entries WHERE key = ? AND expires_at > ?",
          args: [key, clock()],
        });
        const row = rs.rows[0];
        if (!row) return null;
        return {
          record: JSON.parse(String(row.value)) as RefreshRecord,
          spentAt: row.spent === null || row.spent === undefined ? null : Number(row.spent),
        };
      });
    },

    rotateRefresh(input) {
      return call("rotateRefresh", () => inWriteTx((tx) => rotate(tx, input)));
    },

    revoke(marks: RevocationMark[]) {
      // Nothing to send, so no round trip (same as the Upstash adapter).
      if (marks.length === 0) return Promise.resolve();
      return call("revoke", async () => {
        const now = clock();
        await client.batch(
          marks.map((m) => markStatement(markKey(m), m.at, m.ttlSeconds, now)),
          "write",
        );
      });
    },

    newestMark(refs: MarkRef[]) {
      if (refs.length === 0) return Promise.resolve(null);
      return call("newestMark", async () => {
        const rs = await client.execute({
          sql: `SELECT MAX(CAST(value AS INTEGER)) AS newest FROM state_entries
                WHERE key IN (${refs.map(() => "?").join(", ")}) AND expires_at > ?`,
          args: [...refs.map(markKey), clock()],
        });
        const newest = rs.rows[0]?.newest;
        return newest === null || newest === undefined ? null : Number(newest);
      });
    },

    ping() {
      return call("ping", async () => {
        await client.execute("SELECT 1");
      });
    },
  };
}
