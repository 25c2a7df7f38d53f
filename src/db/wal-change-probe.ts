/**
 * Node only: a way to learn that NO transaction was committed to a WAL-mode database file since an earlier
 * look, without running a statement. Every commit — by any connection, in any process — rewrites the
 * WAL-index header at the start of the `-shm` file (https://www.sqlite.org/walformat.html, "The WAL-Index
 * Header": a change counter, the last valid frame, checksums, both copies), so the same bytes mean the same
 * committed state. A statement costs far more than a read of those bytes when SQLite has been idle in this
 * process (its code and data cold); the probe lets a reader skip asking while nothing changed.
 *
 * It can only say "unchanged": any difference, a torn read while a writer is mid-update, or no `-shm` file
 * (not in WAL mode, not opened yet) means "ask SQLite". The file stays while this process holds a
 * connection to the database (SQLite removes it only when the last connection closes).
 */
import { openSync, readSync } from "node:fs";

/** Both copies of the WAL-index header (48 bytes each). */
const HEADER_BYTES = 96;

/** Reads of one database's WAL-index header. */
export interface WalChangeProbe {
  /** The header's bytes now (a copy), or undefined when they cannot be read. */
  read(): Buffer | undefined;
}

const probes = new Map<string, WalChangeProbe>();

/**
 * The probe of the database file at `dbPath` (one per file in this process, sharing one descriptor).
 * @example const before = probe.read(); …; if (before && probe.read()?.equals(before)) { nothing was committed }
 */
export function walChangeProbe(dbPath: string): WalChangeProbe {
  let probe = probes.get(dbPath);
  if (probe) return probe;
  const bytes = Buffer.alloc(HEADER_BYTES);
  let fd: number | undefined;
  probe = {
    read() {
      try {
        fd ??= openSync(`${dbPath}-shm`, "r");
        return readSync(fd, bytes, 0, HEADER_BYTES, 0) === HEADER_BYTES ? Buffer.from(bytes) : undefined;
      } catch {
        return undefined;
      }
    },
  };
  probes.set(dbPath, probe);
  return probe;
}
