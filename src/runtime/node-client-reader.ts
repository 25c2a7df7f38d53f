/**
 * Node only: one client row by id through a statement prepared ONCE on the `libsql` driver (the engine
 * under @libsql/client, already used by the embedded store). @libsql/client prepares every statement on
 * every call; for the client lookup every client_credentials grant and refresh makes, that parse was a
 * quarter of the grant's CPU (BENCHMARKS.md, node-paths). The columns and their decoding come from the
 * drizzle schema, so the row is exactly what the registry's query returns.
 *
 * Rows read are kept while nobody else changed the database: `PRAGMA data_version` moves whenever another
 * connection — the registry's own (drizzle), the admin CLI in another process — commits; this connection
 * only ever writes state entries. Any statement costs about as much as the read itself (far more when
 * SQLite sat idle in this process, as with the Upstash store), so the version is asked once per turn of the
 * event loop for all the look-ups made in it — and again after any call through this process's other
 * connection (db/local-calls.ts) — and not even then when the WAL-index header shows that nothing at all was
 * committed since the last ask (db/wal-change-probe.ts). A client disabled here counts from the next
 * look-up, one disabled by another process from the next turn, as if its row had been read at its start.
 */
import { getTableColumns } from "drizzle-orm";
import { localConnection } from "../db/local-connection";
import { toClient, type Client } from "../clients/registry";
import { sqliteFilePath } from "../db/client";
import { localCallCount } from "../db/local-calls";
import { walChangeProbe, type WalChangeProbe } from "../db/wal-change-probe";
import { clients } from "../db/schema";

const columns = Object.entries(getTableColumns(clients));
const SELECT_BY_ID = `SELECT ${columns.map(([, c]) => `"${c.name}"`).join(", ")} FROM "clients" WHERE "id" = ? LIMIT 1`;

/** More distinct ids than this (unknown ones probed at /token included) empty the cache rather than grow it. */
const MAX_CACHED = 1000;

type Statement = ReturnType<ReturnType<typeof localConnection>["prepare"]>;

/** A client shared between requests: frozen, so no request can change what the next one reads. */
function frozen(client: Client): Client {
  for (const value of Object.values(client)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(client);
}

/**
 * A reader for `file:` databases; undefined for remote ones (they keep the registry's query).
 * @example hooks.clientReader = nodeClientReader;
 */
export function nodeClientReader(databaseUrl: string): ((id: string) => Promise<Client | undefined>) | undefined {
  if (!databaseUrl.startsWith("file:")) return undefined;
  let statements: { byId: Statement; version: Statement; probe: WalChangeProbe } | undefined;
  const cache = new Map<string, Client | undefined>();
  let cachedAt: unknown;
  let checkedThisTurn = false;
  let checkedAtCall = -1;
  /** The WAL-index header read just before the version was last asked. */
  let askedAtHeader: Buffer | undefined;

  /** Empty the cache if another connection committed since it was filled (see the module comment). */
  function revalidate(s: { version: Statement; probe: WalChangeProbe }): void {
    if (checkedThisTurn && checkedAtCall === localCallCount()) return;
    if (!checkedThisTurn) setImmediate(() => (checkedThisTurn = false));
    checkedThisTurn = true;
    checkedAtCall = localCallCount();
    // Read before asking: a commit landing in between makes the next probe differ, never the reverse.
    const header = s.probe.read();
    if (header !== undefined && askedAtHeader !== undefined && header.equals(askedAtHeader) && cache.size < MAX_CACHED) return;
    askedAtHeader = header;
    // all(), never get(): get() leaves the statement open and keeps its read transaction (see embedded.ts).
    const [[version]] = s.version.all([]) as unknown[][] as [[unknown]];
    if (version !== cachedAt || cache.size >= MAX_CACHED) {
      cache.clear();
      cachedAt = version;
    }
  }

  return async (id) => {
    // Prepared on first use: the tables exist only once migrations ran, after the deps were built.
    // On the process's shared connection (the embedded store's): see db/local-connection.ts.
    statements ??= (() => {
      const path = sqliteFilePath(databaseUrl);
      const db = localConnection(path);
      return { byId: db.prepare(SELECT_BY_ID).raw(true), version: db.prepare("PRAGMA data_version").raw(true), probe: walChangeProbe(path) };
    })();
    revalidate(statements);
    if (cache.has(id)) return cache.get(id);
    const [values] = statements.byId.all(id) as unknown[][];
    const client = values ? frozen(toClient(Object.fromEntries(columns.map(([key, column], i) => [key, values[i] === null ? null : column.mapFromDriverValue(values[i])])) as typeof clients.$inferSelect)) : undefined;
    cache.set(id, client);
    return client;
  };
}
