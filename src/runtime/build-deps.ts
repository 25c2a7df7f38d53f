/**
 * Builds the app's dependencies from validated configuration. Shared by the Node server, the CLI and the
 * Workers entry (which passes `migrate: false`: migrations reach Turso through the CLI).
 */
import type { Config } from "../config";
import type { AppDeps } from "../deps";
import { openDatabase } from "../db/client";
import type { Logger } from "../lib/log";
import { createEmbeddedStore } from "../store/embedded";
import { createUpstashStore } from "../store/upstash";
import { createKeyRing } from "../tokens/keys";

/**
 * Open the database, the state store and the key ring.
 * @example const deps = buildDeps(config, consoleLogger);
 */
export function buildDeps(config: Config, logger: Logger): AppDeps {
  const { db, client } = openDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
  const store = config.upstash
    ? createUpstashStore({ url: config.upstash.url, token: config.upstash.token })
    : createEmbeddedStore({ client });
  const keys = createKeyRing({ db, secret: config.secret, alg: config.signingAlg, accessTokenTtl: config.accessTokenTtl });
  return { config, db, dbClient: client, store, keys, logger, now: Date.now };
}
