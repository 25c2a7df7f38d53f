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
import { createEmbeddedStore } from "../store/embedded";
import { createUpstashStore } from "../store/upstash";
import { createKeyRing } from "../tokens/keys";
import { clientIpFor } from "./client-ip";

/**
 * Open the database, the state store, the rate limiter and the key ring. `directIp` reads the peer
 * address the runtime sees (Node: the socket; Workers: cf-connecting-ip).
 * @example const deps = buildDeps(config, consoleLogger, (c) => getConnInfo(c).remote.address);
 */
export function buildDeps(config: Config, logger: Logger, directIp: (c: Context) => string | undefined = () => undefined): AppDeps {
  const { db, client } = openDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
  const store = config.upstash
    ? createUpstashStore({ url: config.upstash.url, token: config.upstash.token })
    : createEmbeddedStore({ client });
  const rateLimiter = config.upstash ? createUpstashLimiter({ url: config.upstash.url, token: config.upstash.token }) : createMemoryLimiter();
  const keys = createKeyRing({ db, secret: config.secret, alg: config.signingAlg, accessTokenTtl: config.accessTokenTtl });
  const localLimiter = createMemoryLimiter();
  return { config, db, dbClient: client, store, keys, logger, now: Date.now, rateLimiter, localLimiter, clientIp: clientIpFor(config, directIp) };
}
