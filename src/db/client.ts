/**
 * Opens the database: a libSQL client for `file:`, `libsql://` or `http(s)://` URLs, wrapped by drizzle.
 * Works on Node and Workers (the `@libsql/client` package resolves to its web build under workerd,
 * which speaks only the remote protocols).
 */
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { withBusyRetry } from "./busy-retry";
import { withCallCount } from "./local-calls";
import * as schema from "./schema";

/** The drizzle database over our schema. */
export type Database = LibSQLDatabase<typeof schema>;

/** An open database: drizzle for queries, the raw client for batches and health checks. */
export interface DatabaseHandle {
  db: Database;
  client: Client;
}

/**
 * Open the database at `url`.
 * @example const { db } = openDatabase({ url: "file:./.data/authbridge.db" });
 */
export function openDatabase(opts: { url: string; authToken?: string | undefined }): DatabaseHandle {
  const raw = createClient({ url: opts.url, ...(opts.authToken ? { authToken: opts.authToken } : {}) });
  const client = opts.url.startsWith("file:") ? withCallCount(withBusyRetry(raw)) : raw;
  return { db: drizzle(client, { schema }), client };
}

/**
 * The path a `file:` database URL names, as the `libsql` driver opens it (`file:./x.db`, `file:/abs/x.db`,
 * `file:///abs/x.db`).
 * @example sqliteFilePath("file:./.data/authbridge.db") // "./.data/authbridge.db"
 */
export function sqliteFilePath(url: string): string {
  if (!url.startsWith("file:")) throw new Error("not a file: database URL");
  return url.slice("file:".length).replace(/^\/\/(?=\/)/, "").split("?")[0]!;
}

/**
 * Settings for a local `file:` database (the embedded Node setup): write-ahead logging lets readers run
 * beside the one writer and makes each commit far cheaper than the rollback journal; NORMAL sync is
 * durable across process crashes in WAL mode. No-op for remote databases.
 */
export async function tuneLocalDatabase(url: string, client: Client): Promise<void> {
  if (!url.startsWith("file:")) return;
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
}
