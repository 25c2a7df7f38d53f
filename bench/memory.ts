/**
 * Section "memory": Redis bytes per live session (refresh family plus an assumed share of revocation
 * marks), over 100,000 sessions written by the real refresh service through the real Upstash adapter and
 * the REST bridge; plus the embedded store's file growth per session over 10,000 sessions.
 */
import { statSync } from "node:fs";
import { createClient as createLibsqlClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { parseConfig } from "../src/config";
import { tuneLocalDatabase } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import * as schema from "../src/db/schema";
import { ID_PREFIX, newId, randomToken } from "../src/lib/ids";
import { generateSecret } from "../src/lib/secret";
import { createEmbeddedStore } from "../src/store/embedded";
import { markKey, type MarkKind, type RevocationMark, type StateStore } from "../src/store/store";
import { createUpstashStore } from "../src/store/upstash";
import { createRefreshService, refreshKey, type RefreshGrant, type RefreshService } from "../src/tokens/refresh";
import { tempDir } from "../test/support/temp";
import { startChild } from "./support/child";
import type { BridgeReady } from "./support/redis-bridge";
import { num, type Row, type Section, type SectionContext } from "./support/report";

/** Live sessions written to Redis. */
const SESSIONS = 100_000;
/** Live sessions written to the embedded store (its calls are serialised, so fewer). */
const EMBEDDED_SESSIONS = 10_000;
/** Store calls in flight at once (the adapter makes one HTTP request per call). */
const CONCURRENCY = 100;
/**
 * Assumed revocation marks per live session, by kind (no production data yet, so stated, not measured):
 * one revoked access token (`jti`), one ended session (`session`, kept refreshTokenTtl + 60 s) and one
 * revoked refresh family (`family`) per 10 live sessions. Per-mark bytes are reported so other mixes can be
 * recomputed.
 */
const MARKS_PER_SESSION: Record<Exclude<MarkKind, "account" | "client" | "consent">, number> = { jti: 0.1, session: 0.1, family: 0.1 };
/** Keys of each type whose MEMORY USAGE is averaged. */
const SAMPLE = 200;
/** Redis prefix of a production deployment (the adapter's default). */
const PREFIX = "ab:";
/** Every write phase must finish within this, or the section fails (bounded run time). */
const PHASE_LIMIT_MS = 180_000;
/** A handful of clients, as in a real deployment; sessions are spread over them. */
const CLIENTS = 10;
/** What a family grants (the bench app's scopes; the audience is the issuer by default). */
const SCOPES = ["read", "write"];

type Json = string | number | null | Json[] | { [k: string]: Json };

/** Admin commands (INFO, DBSIZE, MEMORY USAGE…) through the bridge's REST pipeline: the Redis port stays inside the bridge child. */
function redisAdmin(ready: BridgeReady) {
  return async (commands: Array<Array<string | number>>): Promise<Json[]> => {
    const res = await fetch(`${ready.url}/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${ready.token}`, "content-type": "application/json" },
      body: JSON.stringify(commands),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as Array<{ result?: Json; error?: string }> | { error?: string };
    if (!res.ok || !Array.isArray(body)) throw new Error(`redis admin: HTTP ${res.status} ${JSON.stringify(body)}`);
    return body.map((r, i) => {
      if (r.error !== undefined) throw new Error(`redis admin: ${JSON.stringify(commands[i])}: ${r.error}`);
      return r.result ?? null;
    });
  };
}
type Admin = ReturnType<typeof redisAdmin>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `used_memory` after a short pause, so incremental rehashing of Redis's key tables has finished. */
async function usedMemory(admin: Admin): Promise<number> {
  await sleep(1000);
  const [info] = await admin([["INFO", "memory"]]);
  const m = /^used_memory:(\d+)/m.exec(String(info));
  if (!m?.[1]) throw new Error("INFO memory: no used_memory");
  return Number(m[1]);
}

async function dbsize(admin: Admin): Promise<number> {
  const [n] = await admin([["DBSIZE"]]);
  return Number(n);
}

/**
 * Run `fn(0..n-1)` with `concurrency` in flight; stops at the first error or after PHASE_LIMIT_MS.
 * Returns the elapsed seconds.
 */
async function inParallel(ctx: SectionContext, what: string, n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const deadline = t0 + PHASE_LIMIT_MS;
  const logEvery = Math.max(1, Math.ceil(n / 4));
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < n) {
      if (performance.now() > deadline) {
        failed = true;
        throw new Error(`${what}: only ${done} of ${n} done within ${PHASE_LIMIT_MS / 1000} s`);
      }
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failed = true;
        throw err;
      }
      if (++done % logEvery === 0 && done < n) ctx.log(`memory: ${what} ${num(done)}/${num(n)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  ctx.log(`memory: ${what} ${num(n)} in ${num(seconds, 1)} s`);
  return seconds;
}

/** The refresh service as the server composes it (default lifetimes, a fresh secret). */
function refreshService(store: StateStore) {
  const config = parseConfig(
    { AUTHBRIDGE_SECRET: generateSecret(), DATABASE_URL: "file:unused.db", AUTHBRIDGE_ISSUER: "https://auth.example.com" },
    "node",
  );
  const refresh = createRefreshService(store, config.secret, {
    absoluteTtl: config.refreshTokenTtl,
    idleTtl: config.refreshIdleTtl,
    grace: config.refreshReuseGrace,
  });
  return { config, refresh, grant: { scopes: SCOPES, aud: config.audience } satisfies RefreshGrant };
}

/** What a batch of sessions left behind, for sampling. */
interface Written {
  /** First tokens of the families: spent after the rotation (a compact `S<time>:<record>` string kept for reuse detection). */
  spent: string[];
  /** Their successors: the live tokens. */
  live: string[];
  /** Mark refs written, by kind (the first SAMPLE of each). */
  marks: Record<string, RevocationMark[]>;
  seconds: { issue: number; rotate: number; marks: number };
  markCount: number;
}

/**
 * Write `n` live sessions the way the server does: `issue` (putRefresh), then one `rotate` (rotateRefresh)
 * so each family holds one spent and one live token, then the assumed revocation marks (one `revoke` call
 * per mark, as /revoke and session revocation do). `between` runs after each phase (memory readings).
 */
async function writeSessions(
  ctx: SectionContext,
  label: string,
  store: StateStore,
  n: number,
  between: (phase: "issued" | "rotated" | "marked") => Promise<void>,
): Promise<Written> {
  const { config, refresh, grant } = refreshService(store);
  const clients = Array.from({ length: CLIENTS }, () => newId("client"));
  const tokens: string[] = new Array<string>(n);
  const live: string[] = [];
  const issue = await inParallel(ctx, `${label} issue`, n, CONCURRENCY, async (i) => {
    const { token } = await refresh.issue({ clientId: clients[i % CLIENTS]!, sub: newId("account"), sid: newId("session"), grant, now: Date.now() });
    tokens[i] = token;
  });
  await between("issued");
  const rotate = await inParallel(ctx, `${label} rotate`, n, CONCURRENCY, async (i) => {
    const r = await rotateOnce(refresh, tokens[i]!, clients[i % CLIENTS]!);
    if (i < SAMPLE) live[i] = r;
  });
  await between("rotated");
  const kinds = Object.entries(MARKS_PER_SESSION).map(([kind, share]) => ({ kind: kind as MarkKind, count: Math.round(n * share) }));
  const plan = kinds.flatMap(({ kind, count }) => Array.from({ length: count }, () => kind));
  const marks: Record<string, RevocationMark[]> = {};
  const now = Date.now();
  const marksSeconds = await inParallel(ctx, `${label} marks`, plan.length, CONCURRENCY, async (i) => {
    const kind = plan[i]!;
    // Ids of the same shape the server writes: a rotation's jti is "at_" + 22 base64url characters.
    const mark: RevocationMark =
      kind === "jti"
        ? { kind, id: ID_PREFIX.jti + randomToken(16), at: now, ttlSeconds: config.accessTokenTtl + 60 }
        : kind === "session"
          ? { kind, id: newId("session"), at: now, ttlSeconds: config.refreshTokenTtl + 60 }
          : { kind, id: newId("family"), at: now, ttlSeconds: config.refreshTokenTtl };
    await store.revoke([mark]);
    const sample = (marks[kind] ??= []);
    if (sample.length < SAMPLE) sample.push(mark);
  });
  await between("marked");
  return { spent: tokens.slice(0, SAMPLE), live, marks, seconds: { issue, rotate, marks: marksSeconds }, markCount: plan.length };
}

async function rotateOnce(refresh: RefreshService, token: string, clientId: string): Promise<string> {
  const r = await refresh.rotate(token, clientId, Date.now());
  if (!r.ok || r.outcome !== "rotated") throw new Error(`rotation answered ${r.outcome}, expected rotated`);
  return r.token;
}

/** Average MEMORY USAGE, encoding and value length of sampled keys. */
interface KeyStats {
  count: number;
  bytes: number;
  encoding: string;
  keyLength: number;
  valueLength: number;
}

async function keyStats(admin: Admin, keys: string[], valueCmd: (k: string) => Array<string | number>): Promise<KeyStats> {
  if (keys.length === 0) return { count: 0, bytes: Number.NaN, encoding: "-", keyLength: Number.NaN, valueLength: Number.NaN };
  // SAMPLES 0: every field of a hash is measured, not an estimate from five.
  const replies = await admin(keys.flatMap((k) => [["MEMORY", "USAGE", k, "SAMPLES", "0"], ["OBJECT", "ENCODING", k], valueCmd(k)]));
  if (replies.some((r, i) => i % 3 === 0 && r === null)) throw new Error("a sampled key is missing");
  const avg = (offset: number) => keys.reduce((s, _, i) => s + Number(replies[i * 3 + offset]), 0) / keys.length;
  const encodings = [...new Set(keys.map((_, i) => String(replies[i * 3 + 1])))].join("/");
  return { count: keys.length, bytes: avg(0), encoding: encodings, keyLength: keys.reduce((s, k) => s + k.length, 0) / keys.length, valueLength: avg(2) };
}

function describe(name: string, s: KeyStats): string {
  return `${name} ${num(s.bytes)} B (${s.encoding}, key ${num(s.keyLength)} + value ${num(s.valueLength)} chars)`;
}

async function measureRedis(ctx: SectionContext): Promise<Row[]> {
  const bridge = await startChild<BridgeReady>("bench/support/redis-bridge.ts", {});
  try {
    const admin = redisAdmin(bridge.ready);
    const store = createUpstashStore({ url: bridge.ready.url, token: bridge.ready.token, prefix: PREFIX });
    // Warm-up: loads the Lua scripts (EVALSHA → NOSCRIPT → EVAL) and opens the connections, so neither
    // counts as session memory; FLUSHDB keeps the script cache.
    const warm = refreshService(store);
    const { token } = await warm.refresh.issue({ clientId: "client_warm", sub: "acct_warm", sid: "ses_warm", grant: warm.grant, now: Date.now() });
    await rotateOnce(warm.refresh, token, "client_warm");
    await store.revoke([{ kind: "jti", id: "at_warm", at: Date.now(), ttlSeconds: 60 }]);
    await admin([["FLUSHDB", "SYNC"]]);
    const before = await usedMemory(admin);
    const readings: Record<string, number> = {};
    const w = await writeSessions(ctx, "redis", store, SESSIONS, async (phase) => {
      readings[phase] = await usedMemory(admin);
    });
    const keys = await dbsize(admin);
    const issued = readings.issued! - before;
    const family = readings.rotated! - before;
    const total = readings.marked! - before;
    const marksBytes = readings.marked! - readings.rotated!;

    const rtKey = async (t: string) => PREFIX + (await refreshKey(t));
    const live = await keyStats(admin, await Promise.all(w.live.map(rtKey)), (k) => ["STRLEN", k]);
    const spent = await keyStats(admin, await Promise.all(w.spent.map(rtKey)), (k) => ["STRLEN", k]);
    const markStats = await Promise.all(
      Object.keys(MARKS_PER_SESSION).map(async (kind) => ({
        kind,
        s: await keyStats(admin, (w.marks[kind] ?? []).map((m) => PREFIX + markKey(m)), (k) => ["STRLEN", k]),
      })),
    );
    const sumOfKeys = live.bytes + spent.bytes + markStats.reduce((s, m) => s + m.s.bytes * (MARKS_PER_SESSION[m.kind as keyof typeof MARKS_PER_SESSION] ?? 0), 0);
    const mix = Object.entries(MARKS_PER_SESSION).map(([k, v]) => `${v} ${k}`).join(" + ");
    const storeCalls = SESSIONS * 2 + w.markCount;
    const seconds = w.seconds.issue + w.seconds.rotate + w.seconds.marks;
    const goal = "info (no floor set)";
    return [
      {
        section: "memory",
        case: "upstash",
        metric: "Redis bytes per live session",
        value: `${num(total / SESSIONS)} bytes per session`,
        goal,
        status: "INFO",
        detail:
          `used_memory +${num(total / 2 ** 20, 1)} MiB for ${num(SESSIONS)} sessions (refresh family + ${mix} marks per session); ` +
          `DBSIZE ${num(keys)} (${num(SESSIONS * 2)} refresh keys + ${num(w.markCount)} marks); sum of sampled MEMORY USAGE ${num(sumOfKeys)} B/session`,
      },
      {
        section: "memory",
        case: "upstash",
        metric: "Redis bytes per refresh family",
        value: `${num(family / SESSIONS)} bytes per session`,
        goal,
        status: "INFO",
        detail:
          `one spent token (compact string, kept for reuse detection) + one live successor: used_memory +${num(family / 2 ** 20, 1)} MiB; ` +
          `before its first rotation (one live token) ${num(issued / SESSIONS)} B; the rotation adds ${num((family - issued) / SESSIONS)} B, ` +
          "and so does every later one (each spent token lives until the family's absolute expiry)",
      },
      {
        section: "memory",
        case: "upstash",
        metric: "Redis bytes per revocation mark",
        value: `${num(marksBytes / w.markCount)} bytes per mark`,
        goal,
        status: "INFO",
        detail: `used_memory +${num(marksBytes / 2 ** 20, 1)} MiB for ${num(w.markCount)} marks (${mix} per session × ${num(SESSIONS)})`,
      },
      {
        section: "memory",
        case: "upstash",
        metric: "MEMORY USAGE per key (avg)",
        value: `${num(live.bytes + spent.bytes)} B per family`,
        goal,
        status: "INFO",
        detail: [describe("live rt", live), describe("spent rt", spent), ...markStats.map((m) => describe(`mark ${m.kind}`, m.s))].join("; ") + `; ${SAMPLE} keys sampled per type`,
      },
      {
        section: "memory",
        case: "upstash",
        metric: "write rate while filling",
        value: `${num(storeCalls / seconds)} store calls/s`,
        goal,
        status: "INFO",
        detail:
          `${num(storeCalls)} adapter calls through the REST bridge, ${CONCURRENCY} in flight: issue ${num(w.seconds.issue, 1)} s, ` +
          `rotate ${num(w.seconds.rotate, 1)} s, marks ${num(w.seconds.marks, 1)} s`,
      },
    ];
  } finally {
    await bridge.stop();
  }
}

/** Size of the database file with the WAL folded in (a TRUNCATE checkpoint empties the WAL file). */
async function fileBytes(client: ReturnType<typeof createLibsqlClient>, path: string): Promise<number> {
  await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  return statSync(path).size;
}

async function measureEmbedded(ctx: SectionContext): Promise<Row[]> {
  const dir = tempDir("authbridge-bench-mem-");
  const path = `${dir.path}/app.db`;
  const url = `file:${path}`;
  const client = createLibsqlClient({ url });
  try {
    await tuneLocalDatabase(url, client);
    await applyMigrations(drizzle(client, { schema }));
    // The store opens its own connection to the file; `client` only migrates, checkpoints and counts.
    const store = createEmbeddedStore({ url });
    await store.ping();
    const before = await fileBytes(client, path);
    const readings: Record<string, number> = {};
    const w = await writeSessions(ctx, "embedded", store, EMBEDDED_SESSIONS, async (phase) => {
      readings[phase] = await fileBytes(client, path);
    });
    const rows = await client.execute("SELECT count(*) FROM state_entries");
    const total = readings.marked! - before;
    const family = readings.rotated! - before;
    return [
      {
        section: "memory",
        case: "embedded",
        metric: "file bytes per live session",
        value: `${num(total / EMBEDDED_SESSIONS)} bytes per session`,
        goal: "info (no floor set)",
        status: "INFO",
        detail:
          `database file +${num(total / 2 ** 20, 1)} MiB for ${num(EMBEDDED_SESSIONS)} sessions, same mix (after a TRUNCATE checkpoint); ` +
          `refresh family alone ${num(family / EMBEDDED_SESSIONS)} B, per mark ${num((readings.marked! - readings.rotated!) / w.markCount)} B; ` +
          `${num(Number(rows.rows[0]?.[0]))} state_entries rows; written in ${num(w.seconds.issue + w.seconds.rotate + w.seconds.marks, 1)} s`,
      },
    ];
  } finally {
    client.close();
    dir.remove();
  }
}

/** The section. */
export const memory: Section = {
  name: "memory",
  title: "Memory: Redis bytes per live session",
  method: [
    `A throwaway redis-server (no persistence) and the Upstash REST bridge run in a child process`,
    "(`bench/support/redis-bridge.ts`). The parent writes sessions with the real refresh service",
    "(`createRefreshService`, default lifetimes: 30-day family, 7-day idle, 10 s grace) over the real Upstash",
    `adapter (\`createUpstashStore\`, production prefix \`${PREFIX}\`), ${CONCURRENCY} calls in flight, one HTTP request per call.`,
    "",
    `Each of ${num(SESSIONS)} sessions (fresh account and session ids, spread over ${CLIENTS} client ids, scopes`,
    "`read write`, audience an `https://` issuer) is one family issued with `issue` (putRefresh) and rotated",
    "once with `rotate` (the rotate Lua script), so it holds what a session holds in steady state: the spent",
    "token, kept as one compact string until the family's absolute expiry for reuse detection, and one live successor.",
    "Later rotations replace nothing more: each adds one more spent token, so long-lived families that rotate",
    "often cost more than this one-rotation figure (one spent-token size per extra rotation, until expiry).",
    "",
    "Revocation marks are an assumption, not a measurement of traffic: per 10 live sessions, one `jti` mark",
    "(a revoked access token, TTL access lifetime + 60 s), one `session` mark (an ended session, TTL 30 days +",
    "60 s) and one `family` mark (a revoked refresh family, TTL 30 days), each written by its own `revoke` call",
    "with ids shaped like the server's. The marks name other (ended) sessions, so the measured sessions stay",
    "live; the refresh keys of those ended sessions, which stay in Redis until their idle TTL, are not counted.",
    "The per-mark and per-key rows allow recomputing any other mix.",
    "",
    "Bytes per session = (`used_memory` after − before) / sessions, read with `INFO memory` one second after",
    "each phase (so incremental rehashing has settled); the before reading follows a warm-up that loads the",
    "Lua scripts and a `FLUSHDB`. This includes Redis's per-key overhead (key tables, expiry table), not",
    "fragmentation or replication buffers, and the table sizes grow in powers of two, so the per-mark figure",
    `can miss a resize the families paid for. \`MEMORY USAGE key SAMPLES 0\` is averaged over ${SAMPLE} keys of each type.`,
    `Admin commands go through the bridge's REST pipeline. Each write phase must finish within ${PHASE_LIMIT_MS / 1000} s.`,
    "",
    `Embedded store: the same mix over ${num(EMBEDDED_SESSIONS)} sessions in a fresh migrated libSQL file (WAL mode), growth`,
    "of the database file measured after a `wal_checkpoint(TRUNCATE)`.",
  ].join("\n"),
  async run(ctx) {
    const rows = await measureRedis(ctx);
    // The embedded figure is secondary: if it fails, keep the Redis rows and fail on a row of its own.
    try {
      rows.push(...(await measureEmbedded(ctx)));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log(`memory: embedded store failed: ${message}`);
      rows.push({ section: "memory", case: "embedded", metric: "file bytes per live session", value: "n/a", goal: "a measurement", status: "FAIL", detail: `failed: ${message}` });
    }
    return rows;
  },
};
