/**
 * Applies the committed drizzle-kit migrations (Node only: reads `migrations/` from disk).
 * Used on Node start and by `npm run authbridge -- migrate`.
 */
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Database } from "./client";

const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Bring the schema up to date; safe to run on every start. */
export async function applyMigrations(db: Database): Promise<void> {
  await migrate(db, { migrationsFolder });
}
