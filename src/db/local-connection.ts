/**
 * Node only: one `libsql` driver connection per local database file in this process, shared by the
 * embedded state store and the client reader. Sharing matters: SQLite drops a connection's page cache
 * whenever ANOTHER connection has written, so a reader beside the store's writer re-read its pages from
 * disk on every request (half a refresh's CPU in the profile); on the writer's own connection they stay.
 * The driver is synchronous, so nothing interleaves on it.
 */
import Database from "libsql";

const connections = new Map<string, InstanceType<typeof Database>>();

/**
 * The process's connection to the database file at `path`.
 * @example const db = localConnection("./.data/authbridge.db");
 */
export function localConnection(path: string): InstanceType<typeof Database> {
  let db = connections.get(path);
  if (!db) connections.set(path, (db = new Database(path)));
  return db;
}
