/**
 * The real app over real adapters for tests: a migrated temp libSQL file, and either the embedded store or
 * the Upstash adapter through the bridge in front of a throwaway redis-server.
 */
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { tuneLocalDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import type { AppDeps } from "../../src/deps";
import { generateSecret } from "../../src/lib/secret";
import { silentLogger } from "../../src/lib/log";
import type { RuntimeHooks } from "../../src/runtime/build-deps";
import { buildNodeDeps } from "../../src/runtime/node-deps";
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
  /** Runtime hooks over the test defaults (e.g. how metadata documents are fetched). */
  hooks?: RuntimeHooks;
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
  let offset = 0;
  const now = () => Date.now() + offset;
  const deps = buildNodeDeps(config, silentLogger, {
    now,
    storePrefix: `t:${randomUUID()}:`,
    limiterPrefix: opts.limiterPrefix ?? `t:${randomUUID()}:`,
    directIp: (c) => c.req.header("x-test-peer") ?? "127.0.0.1",
    ...opts.hooks,
  });
  await tuneLocalDatabase(config.databaseUrl, deps.dbClient);
  await applyMigrations(deps.db);
  await deps.keys.ensureCurrent();
  return {
    app: createApp(deps),
    deps,
    advance: (ms) => {
      offset += ms;
    },
    close: () => {
      deps.dbClient.close();
      dir.remove();
    },
  };
}
