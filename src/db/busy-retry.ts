/**
 * Local SQLite files have one writer at a time. When the lock is held by another connection — the
 * embedded store's write transaction, or another process such as the CLI — a write fails at once with
 * SQLITE_BUSY. We retry those writes after short async pauses instead of setting `busy_timeout`: the
 * driver is synchronous, so SQLite's own wait would block the event loop, and with it the very
 * transaction it waits for when that one belongs to this process.
 */
import type { Client } from "@libsql/client";

/** How long a write keeps trying while the file is locked. */
export const BUSY_BUDGET_MS = 5000;

/** Whether `err` (or a cause of it) is SQLite's "database is locked". */
export function isBusyError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
  }
  return false;
}

/**
 * Run `fn`, retrying while it fails with SQLITE_BUSY, for at most `budgetMs`.
 * @example await retryBusy(() => client.execute(sql));
 */
export async function retryBusy<T>(fn: () => Promise<T>, budgetMs = BUSY_BUDGET_MS): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isBusyError(err) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
    }
  }
}

/** A client whose `execute`, `batch` and `executeMultiple` retry on SQLITE_BUSY (for `file:` databases). */
export function withBusyRetry(client: Client): Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "execute" || prop === "batch" || prop === "executeMultiple") {
        const fn = Reflect.get(target, prop, target) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => retryBusy(() => fn.apply(target, args));
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
