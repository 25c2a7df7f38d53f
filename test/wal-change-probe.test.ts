/**
 * The WAL-index header probe: the same bytes while nothing is committed (reads included), different bytes
 * after any commit — another connection's, this one's, one after a checkpoint — and no answer without a
 * `-shm` file, so a reader falls back to asking SQLite.
 */
import Database from "libsql";
import { afterAll, describe, expect, it } from "vitest";
import { walChangeProbe } from "../src/db/wal-change-probe";
import { tempDir } from "./support/temp";

const dir = tempDir("authbridge-probe-");
afterAll(() => dir.remove());

describe("walChangeProbe", () => {
  it("changes with every commit by anyone, and only then", () => {
    const path = `${dir.path}/wal.db`;
    const mine = new Database(path);
    mine.exec("PRAGMA journal_mode = WAL");
    mine.exec("CREATE TABLE t (x)");
    const other = new Database(path);
    try {
      const probe = walChangeProbe(path);
      const start = probe.read();
      expect(start).toBeInstanceOf(Buffer);
      mine.prepare("SELECT * FROM t").all([]);
      other.prepare("SELECT * FROM t").all([]);
      expect(probe.read()!.equals(start!)).toBe(true);
      other.prepare("INSERT INTO t VALUES (1)").run([]);
      const afterOther = probe.read()!;
      expect(afterOther.equals(start!)).toBe(false);
      mine.prepare("INSERT INTO t VALUES (2)").run([]);
      const afterMine = probe.read()!;
      expect(afterMine.equals(afterOther)).toBe(false);
      mine.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      const checkpointed = probe.read()!;
      other.prepare("INSERT INTO t VALUES (3)").run([]);
      expect(probe.read()!.equals(checkpointed)).toBe(false);
      expect(walChangeProbe(path)).toBe(probe);
    } finally {
      other.close();
      mine.close();
    }
  });

  it("has no answer without a -shm file (a database not in WAL mode)", () => {
    const path = `${dir.path}/rollback.db`;
    const db = new Database(path);
    try {
      db.exec("CREATE TABLE t (x)");
      expect(walChangeProbe(path).read()).toBeUndefined();
    } finally {
      db.close();
    }
  });
});
