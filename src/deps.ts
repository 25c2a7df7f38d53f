/**
 * Everything the app needs from the outside world, passed into `createApp` so that tests can hand it
 * real adapters on throwaway servers and each runtime can build its own.
 */
import type { Client } from "@libsql/client";
import type { Context } from "hono";
import type { MetadataDocumentResolver } from "./clients/metadata-clients";
import type { Client as OAuthClient } from "./clients/registry";
import type { Config } from "./config";
import type { Database } from "./db/client";
import type { Logger } from "./lib/log";
import type { RateLimiter } from "./ratelimit/limiter";
import type { StateStore } from "./store/store";
import type { KeyRing } from "./tokens/keys";

/** The app's dependencies. */
export interface AppDeps {
  config: Config;
  db: Database;
  /** Raw libSQL client (health checks, batches). */
  dbClient: Client;
  store: StateStore;
  keys: KeyRing;
  logger: Logger;
  /** Clock in epoch milliseconds (injectable for tests). */
  now: () => number;
  /** Shared across instances (Upstash) where there is one: failed authentications, provider callbacks. */
  rateLimiter: RateLimiter;
  /** This process only: request volume on the hot endpoints, at no network cost. */
  localLimiter: RateLimiter;
  /** The caller's address as this runtime knows it (proxies' headers only when configured). */
  clientIp: (c: Context) => string;
  /**
   * One client by id, as the client-authenticating endpoints read it on every request (default: the
   * registry through drizzle; Node on a `file:` database: a statement prepared once on the libsql driver).
   */
  findClient: (id: string) => Promise<OAuthClient | undefined>;
  /**
   * Resolver of Client ID Metadata Document URLs (AUTHBRIDGE_CIMD), for `/authorize`, which shows why a
   * document was refused; `findClient` already resolves them. Undefined when the policy is off.
   */
  metadataDocuments?: MetadataDocumentResolver | undefined;
}
