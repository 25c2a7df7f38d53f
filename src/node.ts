/**
 * Node entry (`npm start`): embedded defaults, migrations on start, then listen on HOST:PORT.
 * Invalid configuration exits non-zero before listening.
 */
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { ConfigError, parseConfig } from "./config";
import { tuneLocalDatabase } from "./db/client";
import { applyMigrations } from "./db/migrate";
import { consoleLogger as logger } from "./lib/log";
import { buildNodeDeps } from "./runtime/node-deps";
import { prepareNodeEnv } from "./runtime/node-env";

async function main(): Promise<void> {
  let config;
  const notes: string[] = [];
  try {
    const prepared = prepareNodeEnv(process.env);
    notes.push(...prepared.notes);
    config = parseConfig(prepared.env, "node");
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `invalid configuration: ${(e as Error).message}`);
    process.exit(1);
  }
  for (const line of [...config.defaultsInUse, ...notes]) logger.warn(line);

  const deps = buildNodeDeps(config, logger);
  await tuneLocalDatabase(config.databaseUrl, deps.dbClient);
  await applyMigrations(deps.db);
  if (await deps.keys.ensureCurrent()) logger.warn(`no signing key found: generated a new ${config.signingAlg} key`);
  try {
    await deps.keys.current();
  } catch {
    console.error("invalid configuration:\n  - AUTHBRIDGE_SECRET: cannot open the stored signing keys (is it the secret they were created with?)");
    process.exit(1);
  }
  const app = createApp(deps);
  // Loopback by default for local issuers and the dev login (see config): the LAN never reaches them.
  const server = serve({ fetch: app.fetch, port: config.port, ...(config.host ? { hostname: config.host } : {}) }, (info) => {
    logger.info(`authbridge listening on ${info.address} port ${info.port} (issuer ${config.issuer})`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  logger.error("start failed", { error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
