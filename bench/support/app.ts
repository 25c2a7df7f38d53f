/**
 * The app as the benchmark's server process runs it: mirrors `test/support/app.ts` (migrated temp libSQL
 * file, embedded store or Upstash through the bridge), but hands drizzle and the embedded store counting
 * libSQL clients, and seeds one confidential client and one account with entitlements.
 */
import { randomUUID } from "node:crypto";
import { createClient as createLibsqlClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { Hono } from "hono";
import { createApp } from "../../src/app";
import { createClient } from "../../src/clients/registry";
import { parseConfig } from "../../src/config";
import * as schema from "../../src/db/schema";
import { tuneLocalDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import type { AppDeps } from "../../src/deps";
import { newId } from "../../src/lib/ids";
import { silentLogger } from "../../src/lib/log";
import { generateSecret } from "../../src/lib/secret";
import { createServices, type Services } from "../../src/services";
import { createEmbeddedStore } from "../../src/store/embedded";
import { nodeUpstashTransport } from "../../src/store/node-transport";
import { createUpstashStore } from "../../src/store/upstash";
import { createMemoryLimiter } from "../../src/ratelimit/limiter";
import { createUpstashLimiter } from "../../src/ratelimit/upstash";
import { clientIpFor } from "../../src/runtime/client-ip";
import { createKeyRing } from "../../src/tokens/keys";
import { tempDir } from "../../test/support/temp";
import { countingClient, newCounts, type StatementCounts } from "./counting-client";

/** Scopes the seeded client and account hold. */
export const BENCH_SCOPES = ["read", "write"];

/** A built benchmark app with its counters and seed data. */
export interface BenchApp {
  app: Hono;
  deps: AppDeps;
  services: Services;
  /** Statements sent by the app through drizzle (client lookup, entitlements, …). */
  appCounts: StatementCounts;
  /** A confidential client allowed client_credentials and refresh_token. */
  client: { id: string; secret: string };
  /** An account with entitlements: the subject of refresh families. */
  accountId: string;
  close(): void;
}

/**
 * Build the app on a fresh database; `upstash` selects the Upstash store (through the bridge at that url).
 * @example const b = await buildBenchApp({ upstash: { url, token } });
 */
export async function buildBenchApp(opts: { upstash?: { url: string; token: string } }): Promise<BenchApp> {
  const dir = tempDir("authbridge-bench-");
  const env: Record<string, string> = {
    AUTHBRIDGE_SECRET: generateSecret(),
    DATABASE_URL: `file:${dir.path}/app.db`,
    // The limiter runs (its cost is part of every request) but never refuses the load generator.
    RATE_LIMIT_PER_MINUTE: "1000000000",
    ...(opts.upstash ? { UPSTASH_REDIS_REST_URL: opts.upstash.url, UPSTASH_REDIS_REST_TOKEN: opts.upstash.token } : {}),
  };
  const config = parseConfig(env, "node");
  const raw = createLibsqlClient({ url: config.databaseUrl });
  const appCounts = newCounts();
  const appClient = countingClient(raw, appCounts);
  const db = drizzle(appClient, { schema });
  await tuneLocalDatabase(config.databaseUrl, raw);
  await applyMigrations(db);
  const now = Date.now;
  const store = config.upstash
    ? createUpstashStore({ url: config.upstash.url, token: config.upstash.token, prefix: `bench:${randomUUID()}:`, transport: nodeUpstashTransport({ url: config.upstash.url, token: config.upstash.token, timeoutMs: 2000 }) })
    : createEmbeddedStore({ url: config.databaseUrl, now });
  const keys = createKeyRing({ db, secret: config.secret, alg: config.signingAlg, accessTokenTtl: config.accessTokenTtl, now });
  await keys.ensureCurrent();
  const rateLimiter = config.upstash
    ? createUpstashLimiter({ url: config.upstash.url, token: config.upstash.token, prefix: `bench:${randomUUID()}:` })
    : createMemoryLimiter({ now });
  const clientIp = clientIpFor(config, () => "127.0.0.1");
  const deps: AppDeps = { config, db, dbClient: appClient, store, keys, logger: silentLogger, now, rateLimiter, localLimiter: createMemoryLimiter({ now }), clientIp };

  const { client, secret } = await createClient(db, {
    name: "bench",
    grants: ["client_credentials", "refresh_token"],
    scopes: BENCH_SCOPES,
  });
  if (!secret) throw new Error("bench client has no secret");
  const accountId = newId("account");
  const at = now();
  await db.insert(schema.accounts).values({ id: accountId, kind: "user", displayName: "bench", createdAt: at });
  await db.insert(schema.entitlements).values({
    accountId,
    scopes: JSON.stringify(BENCH_SCOPES),
    roles: JSON.stringify(["member"]),
    derivedAt: at,
  });
  return {
    app: createApp(deps),
    deps,
    services: createServices(deps),
    appCounts,
    client: { id: client.id, secret },
    accountId,
    close: () => {
      raw.close();
      dir.remove();
    },
  };
}
