/**
 * Builds the app's dependencies from validated configuration. Shared by the Node server, the CLI and the
 * Workers entry (which passes `migrate: false`: migrations reach Turso through the CLI).
 */
import type { Context } from "hono";
import type { Config } from "../config";
import type { AppDeps } from "../deps";
import { openDatabase } from "../db/client";
import type { Logger } from "../lib/log";
import { createMemoryLimiter } from "../ratelimit/limiter";
import { createUpstashLimiter } from "../ratelimit/upstash";
import type { StateStore } from "../store/store";
import { createUpstashStore } from "../store/upstash";
import { createKeyRing } from "../tokens/keys";
import { clientIpFor } from "./client-ip";

/** What only the runtime knows. */
export interface RuntimeHooks {
  /** The peer address the runtime sees (Node: the socket; Workers: cf-connecting-ip). */
  directIp?: (c: Context) => string | undefined;
  /** The embedded state store (Node only: passed by the Node entries, so Workers never bundle it). */
  embeddedStore?: (databaseUrl: string) => StateStore;
  /** A cheaper transport for the Upstash store's requests (Node only). */
  upstashTransport?: (opts: { url: string; token: string; timeoutMs: number }) => object;
}

/**
 * Open the database, the state store, the rate limiters and the key ring.
 * @example const deps = buildDeps(config, consoleLogger, { directIp: (c) => getConnInfo(c).remote.address });
 */
export function buildDeps(config: Config, logger: Logger, hooks: RuntimeHooks = {}): AppDeps {
  const { db, client } = openDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
  const directIp = hooks.directIp ?? (() => undefined);
  let store: StateStore;
  if (config.upstash) {
    const { url, token } = config.upstash;
    store = createUpstashStore({ url, token, ...(hooks.upstashTransport ? { transport: hooks.upstashTransport({ url, token, timeoutMs: 2000 }) } : {}) });
  }
  else if (hooks.embeddedStore) store = hooks.embeddedStore(config.databaseUrl);
  else throw new Error("no state store: configure UPSTASH_REDIS_REST_URL (the embedded store exists only on Node)");
  const rateLimiter = config.upstash ? createUpstashLimiter({ url: config.upstash.url, token: config.upstash.token }) : createMemoryLimiter();
  const keys = createKeyRing({ db, secret: config.secret, alg: config.signingAlg, accessTokenTtl: config.accessTokenTtl });
  const localLimiter = createMemoryLimiter();
  return { config, db, dbClient: client, store, keys, logger, now: Date.now, rateLimiter, localLimiter, clientIp: clientIpFor(config, directIp) };
}
