/**
 * Measures the app's dependencies from outside, so that the adapters stay unaware of metrics: the state
 * store's operations and the database's statements are timed, a detected refresh-token reuse is counted
 * and logged at warn, and each grant's issued tokens are counted.
 *
 * Wrappers are built once per app; a call costs two clock reads and a counter update (the wrapped
 * functions are cached, nothing is allocated per call beyond what the call itself allocates).
 */
import type { Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "../db/schema";
import type { AppDeps } from "../deps";
import type { GrantHandler } from "../oauth/token";
import type { Metrics } from "./metrics";

type AsyncFn = (...args: unknown[]) => Promise<unknown>;

/** A proxy of `target` whose named async methods report their duration and success to `observe`. */
function timed<T extends object>(target: T, methods: readonly string[] | "all", observe: (op: string, seconds: number, ok: boolean, result: unknown, args: unknown[]) => void): T {
  const cache = new Map<PropertyKey, AsyncFn>();
  return new Proxy(target, {
    get(t, prop) {
      // Getters (the store's roundTrips) and private fields need the real object as `this`.
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      let fn = cache.get(prop);
      if (fn) return fn;
      const op = String(prop);
      const original = (value as AsyncFn).bind(t);
      fn =
        methods === "all" || methods.includes(op)
          ? async (...args: unknown[]) => {
              const start = performance.now();
              try {
                const result = await original(...args);
                observe(op, (performance.now() - start) / 1000, true, result, args);
                return result;
              } catch (e) {
                observe(op, (performance.now() - start) / 1000, false, undefined, args);
                throw e;
              }
            }
          : original;
      cache.set(prop, fn);
      return fn;
    },
  });
}

function isReuse(result: unknown): result is { outcome: "reuse"; record?: { family?: string } } {
  return typeof result === "object" && result !== null && (result as { outcome?: unknown }).outcome === "reuse";
}

/**
 * The deps the app runs on, with the store and database measured.
 * @example deps = instrumentDeps(deps, metrics);
 */
export function instrumentDeps(deps: AppDeps, metrics: Metrics): AppDeps {
  const store = timed(deps.store, "all", (op, seconds, ok, result, args) => {
    metrics.store(op, seconds, ok);
    if (isReuse(result)) {
      metrics.refreshReuse();
      const input = args[0] as { clientId?: unknown } | undefined;
      deps.logger.warn("refresh token reuse detected: family revoked", {
        client_id: typeof input?.clientId === "string" ? input.clientId : undefined,
        family: result.record?.family,
      });
    }
  });
  const dbClient = timed(deps.dbClient as Client, ["execute", "batch", "executeMultiple"], (op, seconds, ok) => metrics.database(op, seconds, ok));
  // The same drizzle setup as db/client.ts, over the measured client.
  const db = drizzle(dbClient, { schema });
  return { ...deps, store, dbClient, db };
}

/**
 * Count the tokens each grant issues.
 * @example tokenRoutes(deps, countIssued(metrics, { client_credentials: clientCredentialsGrant }))
 */
export function countIssued<K extends string>(metrics: Metrics, grants: Partial<Record<K, GrantHandler>>): Partial<Record<K, GrantHandler>> {
  const out: Partial<Record<K, GrantHandler>> = {};
  for (const name of Object.keys(grants) as K[]) {
    const handler = grants[name]!;
    const counted: GrantHandler = async (ctx) => {
      const response = await handler(ctx);
      metrics.tokenIssued(name);
      return response;
    };
    const { anonymous } = handler;
    if (anonymous)
      counted.anonymous = async (ctx) => {
        const response = await anonymous(ctx);
        metrics.tokenIssued(name);
        return response;
      };
    out[name] = counted;
  }
  return out;
}
