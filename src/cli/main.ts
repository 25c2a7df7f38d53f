/**
 * The admin CLI (`npm run authbridge -- <command>`): JSON on stdout, a message and a non-zero exit on error.
 * Runs against the same configuration as the server (DATABASE_URL, AUTHBRIDGE_SECRET, …).
 */
import { z } from "zod";
import { ConfigError, parseConfig } from "../config";
import { applyMigrations } from "../db/migrate";
import { silentLogger } from "../lib/log";
import { buildNodeDeps } from "../runtime/node-deps";
import { prepareNodeEnv } from "../runtime/node-env";
import { commands, type CliContext } from "./commands";

async function main(argv: string[]): Promise<number> {
  const [group, sub, ...rest] = argv;
  const name = group === "migrate" ? "migrate" : `${group ?? ""} ${sub ?? ""}`.trim();
  const args = group === "migrate" ? [sub, ...rest].filter((a): a is string => a !== undefined) : rest;
  const command = commands[name];
  if (!command) {
    console.error(`unknown command "${name}". Commands: ${Object.keys(commands).join(", ")}`);
    return 2;
  }
  let config;
  try {
    config = parseConfig(prepareNodeEnv(process.env).env, "node");
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : (e as Error).message);
    return 1;
  }
  const deps = buildNodeDeps(config, silentLogger);
  await applyMigrations(deps.db);
  const ctx: CliContext = { deps, args };
  const out = await command(ctx);
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  deps.dbClient.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof z.ZodError ? `error: ${z.prettifyError(e)}` : e instanceof Error ? `error: ${e.message}` : String(e));
    process.exit(1);
  },
);
