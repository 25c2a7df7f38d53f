/**
 * A count of the calls made through this process's @libsql/client connections to local `file:` databases
 * (drizzle's). SQLite tells one connection that another committed only when asked (`PRAGMA data_version`),
 * and asking costs a read transaction; a reader that keeps rows between asks (the Node client reader) also
 * asks whenever this count moved, so a write made in this process is seen by the very next look-up.
 */
import type { Client, Transaction } from "@libsql/client";

let calls = 0;

/** The current count; compare two readings to learn whether a call was made in between. */
export function localCallCount(): number {
  return calls;
}

/** Count when the call starts and again when it settles: a commit lands somewhere in between. */
function counted<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => {
    calls++;
    return fn(...args).finally(() => calls++);
  };
}

const COUNTED = new Set<PropertyKey>(["execute", "batch", "executeMultiple", "migrate", "commit", "rollback"]);

function noticing<T extends Client | Transaction>(target: T): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver);
      if (typeof value !== "function") return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(t);
      if (COUNTED.has(prop)) return counted(bound as (...a: unknown[]) => Promise<unknown>);
      if (prop === "transaction") return counted(async (...a: unknown[]) => noticing((await bound(...a)) as Transaction));
      return bound;
    },
  });
}

/**
 * A client whose every statement, batch and transaction is counted (see {@link localCallCount}).
 * @example const client = withCallCount(createClient({ url: "file:./.data/authbridge.db" }));
 */
export function withCallCount(client: Client): Client {
  return noticing(client);
}
