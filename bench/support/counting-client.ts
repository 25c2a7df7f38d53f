/**
 * A libSQL client that counts what is sent through it, so a benchmark can report database statements per
 * request. Wraps one real client; several wrappers may share it (one for drizzle, one for the store).
 */
import type { Client, Transaction } from "@libsql/client";

/** What went through one wrapper. */
export interface StatementCounts {
  /** SQL statements executed (`execute` = 1, `batch` = its length, `BEGIN`/`COMMIT`/`ROLLBACK` = 1 each). */
  statements: number;
  /** Driver calls (a batch or an interactive transaction's begin/execute/commit each count one). */
  calls: number;
  /** Calls that failed with SQLITE_BUSY / SQLITE_LOCKED (the embedded store retries those after a sleep). */
  busy: number;
}

/** Fresh zeroed counters. */
export function newCounts(): StatementCounts {
  return { statements: 0, calls: 0, busy: 0 };
}

function size(method: string, args: unknown[]): number {
  if (method === "batch" || method === "migrate") return Array.isArray(args[0]) ? args[0].length : 1;
  return 1;
}

const COUNTED = new Set(["execute", "batch", "migrate", "transaction", "commit", "rollback"]);

/** Wrap the counted methods of a client or transaction; `transaction` results are wrapped too. */
function counting<T extends object>(target: T, counts: StatementCounts): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop !== "string" || !COUNTED.has(prop)) return fn.bind(t);
      return async (...args: unknown[]) => {
        counts.statements += size(prop, args);
        counts.calls++;
        try {
          const out = await fn.apply(t, args);
          return prop === "transaction" ? counting(out as Transaction, counts) : out;
        } catch (err) {
          if (/^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown })?.code ?? ""))) counts.busy++;
          throw err;
        }
      };
    },
  });
}

/**
 * Wrap `client` so every statement sent through the wrapper is counted in `counts`.
 * @example const counts = newCounts(); const db = drizzle(countingClient(raw, counts), { schema });
 */
export function countingClient(client: Client, counts: StatementCounts): Client {
  return counting(client, counts);
}
