/**
 * Opening what a CLI command needs, and no more: `database` commands read only DATABASE_URL and
 * DATABASE_AUTH_TOKEN (so `migrate` against Turso needs neither the state store nor the secret);
 * `everything` commands build the server's dependencies from its full configuration.
 */
import { mkdirSync } from "node:fs";
import { ConfigError, parseConfig, parseDatabaseConfig } from "../config";
import { openDatabase } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { createLogger } from "../lib/log";
import { buildNodeDeps } from "../runtime/node-deps";
import { prepareNodeEnv } from "../runtime/node-env";
import type { CliContext } from "./commands";
import type { CommandSpec } from "./spec";

/** What was opened, and how to close it. */
export interface Opened {
  ctx: CliContext;
  close(): void;
}

const DEFAULT_DATABASE_DIR = "./.data";

/**
 * Open what `needs` asks for, with the schema migrated. Warnings go to stderr (stdout is the JSON result).
 * @example const { ctx, close } = await openFor("database", process.env);
 */
export async function openFor(needs: CommandSpec["needs"], env: Record<string, string | undefined>): Promise<Opened> {
  if (needs === "database") {
    const { databaseUrl, databaseAuthToken } = parseDatabaseConfig(env);
    if (!env.DATABASE_URL) mkdirSync(DEFAULT_DATABASE_DIR, { recursive: true });
    const { db, client } = openDatabase({ url: databaseUrl, authToken: databaseAuthToken });
    await applyMigrations(db);
    return { ctx: { db, deps: undefined }, close: () => client.close() };
  }
  const prepared = prepareNodeEnv(env);
  const config = parseConfig(prepared.env, "node");
  if (prepared.problems.length > 0) throw new ConfigError(prepared.problems);
  // Only typos here: the server-level warnings (nobody can sign in, …) are not the CLI user's business.
  for (const w of config.warnings) if (w.includes("not a variable authbridge reads")) process.stderr.write(`warning: ${w}\n`);
  const logger = createLogger({
    format: config.logFormat ?? (process.stderr.isTTY ? "text" : "json"),
    level: "warn",
    write: (line) => process.stderr.write(line + "\n"),
  });
  const deps = buildNodeDeps(config, logger);
  await applyMigrations(deps.db);
  return { ctx: { db: deps.db, deps }, close: () => deps.dbClient.close() };
}
