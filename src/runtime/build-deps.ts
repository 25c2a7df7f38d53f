/**
 * Builds the app's dependencies from validated configuration: the one place `AppDeps` is assembled. Shared
 * by the Node server, the CLI, the Workers entry (which passes `migrate: false`: migrations reach Turso
 * through the CLI), the tests and the benchmark, which differ only in the hooks they pass.
 */
import type { Requester } from "@upstash/redis";
import type { Context } from "hono";
import { webDocumentFetch, type DocumentFetch } from "../clients/document-fetch";
import { clientLookup } from "../clients/lookup";
import { metadataDocumentResolver } from "../clients/metadata-clients";
import { findClient, type Client } from "../clients/registry";
import type { Config } from "../config";
import type { AppDeps } from "../deps";
import { openDatabase, type DatabaseHandle } from "../db/client";
import type { Logger } from "../lib/log";
import { createMemoryLimiter } from "../ratelimit/limiter";
import { createUpstashLimiter } from "../ratelimit/upstash";
import type { StateStore } from "../store/store";
import { createUpstashStore } from "../store/upstash";
import { createKeyRing } from "../tokens/keys";
import { clientIpFor } from "./client-ip";

/** What only the runtime (or a test harness) knows. Every hook is optional; the defaults suit production. */
export interface RuntimeHooks {
  /** The peer address the runtime sees (Node: the socket; Workers: cf-connecting-ip). */
  directIp?: (c: Context) => string | undefined;
  /** The embedded state store (Node only: passed by the Node entries, so Workers never bundle it). */
  embeddedStore?: (databaseUrl: string, now: () => number) => StateStore;
  /** A cheaper transport for the Upstash store's requests (Node only). */
  upstashTransport?: (opts: { url: string; token: string; timeoutMs: number }) => Requester;
  /** Clock in epoch ms for everything built here (default `Date.now`); tests move it. */
  now?: () => number;
  /** Namespace of the Upstash store's keys (default `ab:`); tests give each app its own. */
  storePrefix?: string;
  /** Namespace of the Upstash rate limiter's keys (default `ab:`); apps sharing one share their counters. */
  limiterPrefix?: string;
  /** An already open database to use instead of opening `config.databaseUrl` (the bench counts statements). */
  database?: DatabaseHandle;
  /** A cheaper reader of one client row for this database URL, where the runtime has one (Node, `file:`). */
  clientReader?: (databaseUrl: string) => ((id: string) => Promise<Client | undefined>) | undefined;
  /**
   * How Client ID Metadata Documents are fetched (default: the platform's `fetch`, right for Workers; the
   * Node entries pass the fetcher that checks resolved addresses, `nodeDocumentFetch`). Tests serving a
   * document from this machine pass `nodeDocumentFetch({ resolve, isAllowedAddress, ca })`.
   */
  metadataDocumentFetch?: DocumentFetch;
}

/** Deadline of one state store call (ms). */
const STORE_TIMEOUT_MS = 2000;

/**
 * Open the database, the state store, the rate limiters and the key ring.
 * @example const deps = buildDeps(config, consoleLogger, { directIp: (c) => getConnInfo(c).remote.address });
 */
export function buildDeps(config: Config, logger: Logger, hooks: RuntimeHooks = {}): AppDeps {
  const { db, client } = hooks.database ?? openDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
  const now = hooks.now ?? Date.now;
  const directIp = hooks.directIp ?? (() => undefined);
  let store: StateStore;
  if (config.upstash) {
    const { url, token } = config.upstash;
    const transport = hooks.upstashTransport?.({ url, token, timeoutMs: STORE_TIMEOUT_MS });
    store = createUpstashStore({
      url,
      token,
      timeoutMs: STORE_TIMEOUT_MS,
      ...(hooks.storePrefix !== undefined ? { prefix: hooks.storePrefix } : {}),
      ...(transport ? { transport } : {}),
    });
  } else if (hooks.embeddedStore) store = hooks.embeddedStore(config.databaseUrl, now);
  else throw new Error("no state store: configure UPSTASH_REDIS_REST_URL (the embedded store exists only on Node)");
  const rateLimiter = config.upstash
    ? createUpstashLimiter({ url: config.upstash.url, token: config.upstash.token, ...(hooks.limiterPrefix !== undefined ? { prefix: hooks.limiterPrefix } : {}) })
    : createMemoryLimiter({ now });
  const keys = createKeyRing({ db, secret: config.secret, alg: config.signingAlg, accessTokenTtl: config.accessTokenTtl, now });
  const localLimiter = createMemoryLimiter({ now });
  const findClientFast = hooks.clientReader?.(config.databaseUrl);
  const findClientById = findClientFast ?? ((id: string) => findClient(db, id));
  const metadataDocuments =
    config.metadataDocuments.mode === "off"
      ? undefined
      : metadataDocumentResolver({ policy: config.metadataDocuments, fetch: hooks.metadataDocumentFetch ?? webDocumentFetch(), now, logger });
  return {
    config,
    db,
    dbClient: client,
    store,
    keys,
    logger,
    now,
    rateLimiter,
    localLimiter,
    clientIp: clientIpFor(config, directIp),
    findClient: clientLookup({ byId: findClientById, documents: metadataDocuments, now }),
    metadataDocuments,
  };
}
