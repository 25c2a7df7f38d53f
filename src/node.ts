/**
 * Node entry (`npm start`): embedded defaults, migrations on start, then listen on HOST:PORT.
 * Invalid configuration exits non-zero before listening, naming every bad variable; a busy port is one
 * line, not a stack trace. Logs: LOG_FORMAT (text on a terminal, else JSON lines), LOG_LEVEL.
 */
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { ConfigError, parseConfig, type Config } from "./config";
import { tuneLocalDatabase } from "./db/client";
import { applyMigrations } from "./db/migrate";
import { batchedWriter, createLogger, type Logger } from "./lib/log";
import { buildNodeDeps } from "./runtime/node-deps";
import { prepareNodeEnv } from "./runtime/node-env";

/** Platforms people sign in with, as named in the configuration. */
const PLATFORMS = [
  ["github", "GitHub"],
  ["discord", "Discord"],
  ["slack", "Slack"],
] as const;

function readConfig(): { config: Config; notes: string[] } {
  try {
    const prepared = prepareNodeEnv(process.env);
    try {
      const config = parseConfig(prepared.env, "node");
      if (prepared.problems.length > 0) throw new ConfigError(prepared.problems);
      return { config, notes: prepared.notes };
    } catch (e) {
      // Problems found while preparing (an unreadable rules file) are reported with the rest.
      if (e instanceof ConfigError && prepared.problems.length > 0 && e.problems !== prepared.problems) throw new ConfigError([...prepared.problems, ...e.problems]);
      throw e;
    }
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `invalid configuration: ${(e as Error).message}`);
    process.exit(1);
  }
}

/** The server's logger, and one for the start-up lines that LOG_LEVEL does not silence. */
function nodeLoggers(config: Config): { logger: Logger; startup: Logger } {
  // Written once per turn of the event loop: a request's line never delays its response.
  const stdout = batchedWriter((chunk) => process.stdout.write(chunk));
  const stderr = batchedWriter((chunk) => process.stderr.write(chunk));
  process.on("exit", () => {
    stdout.flush();
    stderr.flush();
  });
  const options = {
    format: config.logFormat ?? (process.stdout.isTTY ? "text" : "json"),
    write: (line: string, level: string) => (level === "warn" || level === "error" ? stderr : stdout).write(line),
  } as const;
  // Where it listens and the callback URLs to register answer "did it start, and how do I use it": scripts
  // and supervisors wait for the listening line, so even LOG_LEVEL=error prints them.
  return { logger: createLogger({ ...options, level: config.logLevel }), startup: createLogger({ ...options, level: "info" }) };
}

async function main(): Promise<void> {
  const { config, notes } = readConfig();
  const { logger, startup } = nodeLoggers(config);
  for (const line of [...config.defaultsInUse, ...notes, ...config.warnings]) logger.warn(line);

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
  // The URL each platform's app registration must name, exactly: the usual first-login stumbling block.
  for (const [id, name] of PLATFORMS) {
    if (config[id]) startup.info(`${name} sign-in enabled; register this callback URL with ${name}: ${config.issuer}/auth/${id}/callback`, { platform: id });
  }
  // Loopback by default for local issuers and the dev login (see config): the LAN never reaches them.
  const server = serve({ fetch: app.fetch, port: config.port, ...(config.host ? { hostname: config.host } : {}) }, (info) => {
    startup.info(`authbridge listening on ${info.address} port ${info.port} (issuer ${config.issuer})`);
  });
  server.on("error", (e: NodeJS.ErrnoException) => {
    const where = `${config.host ?? "every interface"} port ${config.port}`;
    if (e.code === "EADDRINUSE") logger.error(`cannot listen on ${where}: the port is in use (another authbridge?); stop it or set PORT`);
    else if (e.code === "EACCES") logger.error(`cannot listen on ${where}: permission denied; choose a PORT above 1023`);
    else if (e.code === "EADDRNOTAVAIL") logger.error(`cannot listen on ${where}: no such address on this machine; check HOST`);
    else logger.error(`cannot listen on ${where}`, { error: e.message });
    process.exit(1);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(`start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
