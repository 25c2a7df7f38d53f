/**
 * Node only: one client row by id through a statement prepared ONCE on the `libsql` driver (the engine
 * under @libsql/client, already used by the embedded store). @libsql/client prepares every statement on
 * every call; for the client lookup every client_credentials grant and refresh makes, that parse was a
 * quarter of the grant's CPU (BENCHMARKS.md, node-paths). The columns and their decoding come from the
 * drizzle schema, so the row is exactly what the registry's query returns.
 */
import { getTableColumns } from "drizzle-orm";
import { localConnection } from "../db/local-connection";
import { toClient, type Client } from "../clients/registry";
import { sqliteFilePath } from "../db/client";
import { clients } from "../db/schema";

const columns = Object.entries(getTableColumns(clients));
const SELECT_BY_ID = `SELECT ${columns.map(([, c]) => `"${c.name}"`).join(", ")} FROM "clients" WHERE "id" = ? LIMIT 1`;

/**
 * A reader for `file:` databases; undefined for remote ones (they keep the registry's query).
 * @example hooks.clientReader = nodeClientReader;
 */
export function nodeClientReader(databaseUrl: string): ((id: string) => Promise<Client | undefined>) | undefined {
  if (!databaseUrl.startsWith("file:")) return undefined;
  let statement: ReturnType<ReturnType<typeof localConnection>["prepare"]> | undefined;
  return async (id) => {
    // Prepared on first use: the tables exist only once migrations ran, after the deps were built.
    // On the process's shared connection (the embedded store's): see db/local-connection.ts.
    statement ??= localConnection(sqliteFilePath(databaseUrl)).prepare(SELECT_BY_ID).raw(true);
    // all(), never get(): get() leaves the statement open and keeps its read transaction (see embedded.ts).
    const [values] = statement.all(id) as unknown[][];
    if (!values) return undefined;
    const row = Object.fromEntries(columns.map(([key, column], i) => [key, values[i] === null ? null : column.mapFromDriverValue(values[i])]));
    return toClient(row as typeof clients.$inferSelect);
  };
}
