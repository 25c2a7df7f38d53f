/** A migrated libSQL database in a temp dir, for tests. */
import { openDatabase, type DatabaseHandle } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import { tempDir } from "./temp";

/** A fresh migrated `file:` database; `reopen()` opens the same file again as a restart would. */
export async function tempDatabase(): Promise<DatabaseHandle & { url: string; reopen(): DatabaseHandle; remove(): void }> {
  const dir = tempDir("authbridge-db-");
  const url = `file:${dir.path}/test.db`;
  const handle = openDatabase({ url });
  await applyMigrations(handle.db);
  return {
    ...handle,
    url,
    reopen: () => openDatabase({ url }),
    remove: () => {
      handle.client.close();
      dir.remove();
    },
  };
}
