/**
 * The app as the benchmark's server process runs it: built by the Node entry's `buildNodeDeps` like
 * `test/support/app.ts` (migrated temp libSQL file, embedded store or Upstash through the bridge), but
 * hands it a database whose libSQL client counts statements, and seeds one confidential client and one
 * account with entitlements.
 */
import { randomUUID } from "node:crypto";
import { createClient as createLibsqlClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { Hono } from "hono";
import { createApp } from "../../src/app";
import { publishEntitlements } from "../../src/accounts/published-entitlements";
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
import { buildNodeDeps } from "../../src/runtime/node-deps";
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
export async function buildBenchApp(opts: { upstash?: { url: string; token: string }; env?: Record<string, string> }): Promise<BenchApp> {
  const dir = tempDir("authbridge-bench-");
  const env: Record<string, string> = {
    AUTHBRIDGE_SECRET: generateSecret(),
    DATABASE_URL: `file:${dir.path}/app.db`,
    // The limiter runs (its cost is part of every request) but never refuses the load generator.
    RATE_LIMIT_PER_MINUTE: "1000000000",
    ...(opts.upstash ? { UPSTASH_REDIS_REST_URL: opts.upstash.url, UPSTASH_REDIS_REST_TOKEN: opts.upstash.token } : {}),
    ...opts.env,
  };
  const config = parseConfig(env, "node");
  const raw = createLibsqlClient({ url: config.databaseUrl });
  const appCounts = newCounts();
  const appClient = countingClient(raw, appCounts);
  const db = drizzle(appClient, { schema });
  await tuneLocalDatabase(config.databaseUrl, raw);
  await applyMigrations(db);
  const now = Date.now;
  const deps = buildNodeDeps(config, silentLogger, {
    now,
    database: { db, client: appClient },
    storePrefix: `bench:${randomUUID()}:`,
    limiterPrefix: `bench:${randomUUID()}:`,
    directIp: () => "127.0.0.1",
  });
  await deps.keys.ensureCurrent();

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
  // What a login does after deriving: publish them next to the refresh families (one round trip per refresh).
  await publishEntitlements(deps.store, deps.config.entitlementsMaxAge, accountId, { scopes: BENCH_SCOPES, roles: ["member"], derivedAt: at }, at);
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
