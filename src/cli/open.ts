/**
 * Opening what a CLI command needs, and no more: `database` commands read only DATABASE_URL and
 * DATABASE_AUTH_TOKEN (so `migrate` against Turso needs neither the state store nor the secret);
 * `secret` commands read AUTHBRIDGE_SECRET too (API keys are stored as a hash keyed by it);
 * `everything` commands build the server's dependencies from its full configuration.
 */
import { mkdirSync } from "node:fs";
import { isNull } from "drizzle-orm";
import { ConfigError, parseConfig, parseDatabaseConfig } from "../config";
import { openDatabase, type Database } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { signingKeys } from "../db/schema";
import { createLogger } from "../lib/log";
import { decodeSecret } from "../lib/secret";
import { buildNodeDeps } from "../runtime/node-deps";
import { prepareNodeEnv } from "../runtime/node-env";
import { createKeyRing } from "../tokens/keys";
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
  if (needs === "database" || needs === "secret") {
    // The secret first: a missing or malformed one fails before the database file is even created.
    const secret = needs === "secret" ? secretFrom(env) : undefined;
    const { databaseUrl, databaseAuthToken } = parseDatabaseConfig(env);
    if (!env.DATABASE_URL) mkdirSync(DEFAULT_DATABASE_DIR, { recursive: true });
    const { db, client } = openDatabase({ url: databaseUrl, authToken: databaseAuthToken });
    try {
      await applyMigrations(db);
      if (secret) await proveServerSecret(db, secret);
    } catch (e) {
      client.close();
      throw e;
    }
    return { ctx: { db, deps: undefined, secret }, close: () => client.close() };
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
  return { ctx: { db: deps.db, deps, secret: config.secret }, close: () => deps.dbClient.close() };
}

/**
 * AUTHBRIDGE_SECRET as the server reads it on Node: set, or on a localhost issuer the dev secret the
 * server keeps beside its database. Nothing else of the configuration is read or validated.
 */
function secretFrom(env: Record<string, string | undefined>): Uint8Array {
  const { env: prepared } = prepareNodeEnv(env);
  const text = prepared.AUTHBRIDGE_SECRET;
  if (!text) throw new ConfigError(["AUTHBRIDGE_SECRET: required (only a localhost issuer has a kept dev secret)"]);
  const secret = decodeSecret(text);
  if (!secret) throw new ConfigError(["AUTHBRIDGE_SECRET: must be at least 32 random bytes, base64url or hex"]);
  return secret;
}

/**
 * Refuse a secret that is not the server's. A key hashed under another secret would be stored fine and
 * then refused at every use, silently; the current signing key is sealed under the server's secret, so
 * opening it proves the match. A database the server has never started on has no key yet: nothing to
 * compare with, and nothing is generated here.
 */
async function proveServerSecret(db: Database, secret: Uint8Array): Promise<void> {
  const [row] = await db.select({ alg: signingKeys.alg }).from(signingKeys).where(isNull(signingKeys.retiredAt)).limit(1);
  if (!row) return;
  // A row exists, so currentFor() only opens it (it generates a key only when there is none of that algorithm).
  await createKeyRing({ db, secret, alg: "EdDSA", accessTokenTtl: 0 })
    .currentFor(row.alg)
    .catch((e: Error) => Promise.reject(new Error(`cannot open the current signing key (${e.message}): is AUTHBRIDGE_SECRET the server's?`)));
}
