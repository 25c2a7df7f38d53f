/**
 * The real app over real adapters for tests: a migrated temp libSQL file, and either the embedded store or
 * the Upstash adapter through the bridge in front of a throwaway redis-server.
 */
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { openDatabase, tuneLocalDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import type { AppDeps } from "../../src/deps";
import { generateSecret } from "../../src/lib/secret";
import { silentLogger } from "../../src/lib/log";
import { createEmbeddedStore } from "../../src/store/embedded";
import { nodeUpstashTransport } from "../../src/store/node-transport";
import { createUpstashStore } from "../../src/store/upstash";
import { createKeyRing } from "../../src/tokens/keys";
import { createMemoryLimiter } from "../../src/ratelimit/limiter";
import { createUpstashLimiter } from "../../src/ratelimit/upstash";
import { clientIpFor } from "../../src/runtime/client-ip";
import { tempDir } from "./temp";
import type { UpstashBridge } from "./upstash-bridge";

/** A running test app. */
export interface TestApp {
  app: Hono;
  deps: AppDeps;
  /** Move the app's clock (epoch ms offset added to real time). */
  advance(ms: number): void;
  close(): void;
}

/** Options: which store, extra environment, and the bridge when the store is Upstash. */
export interface TestAppOptions {
  store?: "embedded" | "upstash";
  bridge?: UpstashBridge;
  env?: Record<string, string>;
  /** Share the Upstash limiter's counters with another test app (same prefix). */
  limiterPrefix?: string;
}

/**
 * Build the app as the Node entry would, on throwaway backing services.
 * @example const t = await createTestApp({ store: "upstash", bridge }); await t.app.request("/healthz");
 */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dir = tempDir("authbridge-app-");
  const env: Record<string, string> = {
    AUTHBRIDGE_SECRET: generateSecret(),
    DATABASE_URL: `file:${dir.path}/app.db`,
    ...(opts.store === "upstash" && opts.bridge
      ? { UPSTASH_REDIS_REST_URL: opts.bridge.url, UPSTASH_REDIS_REST_TOKEN: opts.bridge.token }
      : {}),
    ...opts.env,
  };
  const config = parseConfig(env, "node");
  const { db, client } = openDatabase({ url: config.databaseUrl });
  await tuneLocalDatabase(config.databaseUrl, client);
  await applyMigrations(db);
  let offset = 0;
  const now = () => Date.now() + offset;
  const store = config.upstash
    ? createUpstashStore({ url: config.upstash.url, token: config.upstash.token, prefix: `t:${randomUUID()}:`, transport: nodeUpstashTransport({ url: config.upstash.url, token: config.upstash.token, timeoutMs: 2000 }) })
    : createEmbeddedStore({ url: config.databaseUrl, now });
  const keys = createKeyRing({ db, secret: config.secret, alg: config.signingAlg, accessTokenTtl: config.accessTokenTtl, now });
  await keys.ensureCurrent();
  const rateLimiter = config.upstash
    ? createUpstashLimiter({ url: config.upstash.url, token: config.upstash.token, prefix: opts.limiterPrefix ?? `t:${randomUUID()}:` })
    : createMemoryLimiter({ now });
  const clientIp = clientIpFor(config, (c) => c.req.header("x-test-peer") ?? "127.0.0.1");
  const localLimiter = createMemoryLimiter({ now });
  const deps: AppDeps = { config, db, dbClient: client, store, keys, logger: silentLogger, now, rateLimiter, localLimiter, clientIp };
  return {
    app: createApp(deps),
    deps,
    advance: (ms) => {
      offset += ms;
    },
    close: () => {
      client.close();
      dir.remove();
    },
  };
}
