/**
 * The Upstash Redis adapter of the state store ports. Every method is one REST call (one HTTP round trip);
 * the atomic ones run Lua by `evalsha`, falling back to `eval` once when Redis answers NOSCRIPT.
 */
import { Redis, errors, type Requester } from "@upstash/redis";
import { NEWEST_MARK_LUA, NEWEST_MARK_SHA1 } from "./scripts/newest-mark";
import { RESTORE_LUA, RESTORE_SHA1 } from "./scripts/restore";
import { REVOKE_LUA, REVOKE_SHA1 } from "./scripts/revoke";
import { ROTATE_LUA, ROTATE_SHA1 } from "./scripts/rotate";
import {
  StoreUnavailableError,
  markKey,
  type MarkRef,
  type RefreshRecord,
  type RestoreInput,
  type RevocationMark,
  type RotateInput,
  type RotateOutcome,
  type StateStore,
  type StoredRefresh,
} from "./store";

/** Options of {@link createUpstashStore}. */
export interface UpstashStoreOptions {
  /** Upstash REST url (`https://…`, or `http://127.0.0.1:…` for the test bridge). */
  url: string;
  token: string;
  /** Namespace prepended to every key. Default `ab:`. */
  prefix?: string;
  /** Each call rejects with StoreUnavailableError after this long. Default 2000. */
  timeoutMs?: number;
  /**
   * Another way to send the library's requests (Node: `nodeUpstashTransport`); default: its own fetch.
   * It then owns retries (one attempt), the timeout and the wire encoding of replies.
   */
  transport?: Requester;
}

interface LuaScript {
  source: string;
  sha1: string;
}

const ROTATE: LuaScript = { source: ROTATE_LUA, sha1: ROTATE_SHA1 };

/** Rotations are batched per event-loop turn only where the runtime has setImmediate (Node, not Workers). */
const BATCHING = typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function";
const RESTORE: LuaScript = { source: RESTORE_LUA, sha1: RESTORE_SHA1 };
const REVOKE: LuaScript = { source: REVOKE_LUA, sha1: REVOKE_SHA1 };
const NEWEST: LuaScript = { source: NEWEST_MARK_LUA, sha1: NEWEST_MARK_SHA1 };

/**
 * Redis error replies start with an upper-case code (`ERR`, `WRONGTYPE`, …): those are our bugs and surface
 * as they are. Everything else — fetch failures, timeouts, non-JSON bodies, 5xx — means the store is down.
 */
const COMMAND_ERROR = /^(Command failed: )?(ERR|WRONGTYPE|NOSCRIPT|EXECABORT|NOPERM|UNKILLABLE|NOTBUSY)\b/;

function isCommandError(err: unknown): boolean {
  return (
    err instanceof errors.UpstashError &&
    !(err instanceof errors.UpstashJSONParseError) &&
    COMMAND_ERROR.test(err.message)
  );
}

/** Redis EX needs a positive integer. */
function ttl(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}

/** The subject's published entitlements as the script returns them ('' when none). */
const published = (value: unknown): { entitlements?: string } => (typeof value === "string" && value !== "" ? { entitlements: value } : {});

function parseRotate(reply: unknown): RotateOutcome {
  if (!Array.isArray(reply) || typeof reply[0] !== "string") {
    throw new Error(`rotate script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }
  const outcome = reply[0];
  if (outcome === "unknown") return { outcome };
  const record = JSON.parse(String(reply[1])) as RefreshRecord;
  switch (outcome) {
    case "retry":
      return { outcome, record, spentAt: Number(reply[2]), ...published(reply[3]) };
    case "rotated":
      return { outcome, record, successor: JSON.parse(String(reply[2])) as RefreshRecord, ...published(reply[3]) };
    case "reuse":
    case "revoked":
    case "wrong_client":
      return { outcome, record };
    default:
      throw new Error(`rotate script returned an unknown outcome: ${outcome}`);
  }
}

/**
 * A stored token: the record JSON while live, `S<epoch ms>:<record JSON>` once spent, `R…` once a retry was
 * answered (see the rotate script).
 */
function parseStoredRefresh(stored: string | null): StoredRefresh | null {
  if (stored === null) return null;
  if (!stored.startsWith("S") && !stored.startsWith("R")) return { record: JSON.parse(stored) as RefreshRecord, spentAt: null };
  const sep = stored.indexOf(":");
  return { record: JSON.parse(stored.slice(sep + 1)) as RefreshRecord, spentAt: Number(stored.slice(1, sep)) };
}

/**
 * Create the Upstash-backed state store.
 * @example const store = createUpstashStore({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
 */
export function createUpstashStore(opts: UpstashStoreOptions): StateStore {
  const prefix = opts.prefix ?? "ab:";
  const timeoutMs = opts.timeoutMs ?? 2000;
  const redis = new Redis({
    url: opts.url,
    token: opts.token,
    // Values are opaque strings; the client must not JSON-parse them.
    automaticDeserialization: false,
    // Our values are ASCII JSON and Lua replies: no need for base64 on the wire (saves decoding every reply).
    responseEncoding: false,
    enableTelemetry: false,
    // On by default in 1.39: it would merge concurrent calls into /pipeline requests (so no longer one
    // request per call, and errors come back as "Command failed: …").
    enableAutoPipelining: false,
    // `retry: false` still makes two attempts in 1.39 (the loop runs attempts + 1 times); 0 retries = one.
    retry: { retries: 0, backoff: () => 0 },
    // A function: a fresh signal per request, and the client then rethrows the abort instead of turning it
    // into a fake `{result: "Aborted"}` (what it does with a plain AbortSignal).
    signal: () => AbortSignal.timeout(timeoutMs),
  });
  const transport = opts.transport;
  // The library's middleware hook: every request goes to the transport instead of its fetch client, while
  // the options above (raw replies, no auto-pipelining, no telemetry) stay in force. `new Redis(transport)`
  // would take the transport but no options: it would JSON-parse every value we read.
  if (transport) redis.use((req) => transport.request(req));
  let roundTrips = 0;
  const k = (key: string): string => prefix + key;

  /** One logical call: bounded by timeoutMs overall, failures mapped to StoreUnavailableError. */
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`upstash ${what}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (err) {
      if (err instanceof StoreUnavailableError || isCommandError(err)) throw err;
      throw new StoreUnavailableError(`upstash ${what} failed: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** A single REST request, counted. */
  function http<T>(fn: () => Promise<T>): Promise<T> {
    roundTrips++;
    return fn();
  }

  /** EVALSHA; on NOSCRIPT (script cache flushed or a fresh server) EVAL once, which also caches it. */
  async function runScript(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await http(() => redis.evalsha(script.sha1, keys, args));
    } catch (err) {
      if (err instanceof errors.UpstashError && /^(Command failed: )?NOSCRIPT/.test(err.message)) {
        return await http(() => redis.eval(script.source, keys, args));
      }
      throw err;
    }
  }

  /** The script's keys and arguments for one rotation. */
  function rotateCall(input: RotateInput): [string[], string[]] {
    const args = [
      prefix,
      input.clientId,
      String(Math.trunc(input.now)),
      String(input.graceSeconds),
      String(ttl(input.idleTtlSeconds)),
      String(Math.max(0, Math.ceil(input.minMarkTtlSeconds ?? 0))),
    ];
    return [[k(input.key), k(input.successorKey)], args];
  }

  /**
   * Rotations asked for during one turn of the event loop (Node) go in ONE pipeline request: each is its
   * own atomic script run, in the order asked; they only share the HTTP request, whose cost was most of a
   * refresh's CPU. Where the runtime ties I/O to the request that started it (Workers), each goes alone.
   */
  let pendingRotations: Array<{ input: RotateInput; resolve(o: RotateOutcome): void; reject(e: unknown): void }> | undefined;
  function flushRotations(): void {
    const batch = pendingRotations ?? [];
    pendingRotations = undefined;
    call("rotateRefresh", async () => {
      type Reply = { result?: unknown; error?: string };
      const pipelined = async (inputs: RotateInput[]): Promise<Reply[]> => {
        const p = redis.pipeline();
        for (const input of inputs) p.evalsha(ROTATE.sha1, ...rotateCall(input));
        return (await p.exec({ keepErrors: true })) as Reply[];
      };
      const replies = await pipelined(batch.map((b) => b.input));
      // A fresh or flushed script cache: only the rotations that met NOSCRIPT run again (a pipeline is not
      // atomic, so others may already have rotated: running those twice would look like reuse). The first
      // goes by EVAL, which loads the script; the rest by EVALSHA again.
      const missing = replies.flatMap((r, i) => (r.error !== undefined && /NOSCRIPT/.test(r.error) ? [i] : []));
      if (missing.length > 0) {
        replies[missing[0]!] = { result: await redis.eval(ROTATE.source, ...rotateCall(batch[missing[0]!]!.input)) };
        const rest = missing.slice(1);
        if (rest.length > 0) (await pipelined(rest.map((i) => batch[i]!.input))).forEach((r, j) => (replies[rest[j]!] = r));
      }
      return replies;
    }).then(
      (replies) =>
        batch.forEach((b, i) => {
          const r = replies[i];
          if (!r || r.error !== undefined) b.reject(new Error(`rotate script failed: ${r?.error ?? "no reply"}`));
          else {
            try {
              b.resolve(parseRotate(r.result));
            } catch (err) {
              b.reject(err);
            }
          }
        }),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  }

  return {
    get roundTrips() {
      return roundTrips;
    },

    put(key, value, ttlSeconds) {
      return call("put", async () => {
        await http(() => redis.set(k(key), value, { ex: ttl(ttlSeconds) }));
      });
    },

    get(key) {
      return call("get", () => http(() => redis.get<string>(k(key))));
    },

    take(key) {
      return call("take", () => http(() => redis.getdel<string>(k(key))));
    },

    delete(key) {
      return call("delete", async () => {
        await http(() => redis.del(k(key)));
      });
    },

    putRefresh(key, record, ttlSeconds) {
      return call("putRefresh", async () => {
        await http(() => redis.set(k(key), JSON.stringify(record), { ex: ttl(ttlSeconds) }));
      });
    },

    getRefresh(key): Promise<StoredRefresh | null> {
      return call("getRefresh", async () => parseStoredRefresh(await http(() => redis.get<string>(k(key)))));
    },

    rotateRefresh(input: RotateInput) {
      if (!BATCHING) return call("rotateRefresh", async () => parseRotate(await runScript(ROTATE, ...rotateCall(input))));
      roundTrips++; // one per rotation, however many share an HTTP request
      return new Promise<RotateOutcome>((resolve, reject) => {
        if (!pendingRotations) {
          pendingRotations = [];
          setImmediate(flushRotations);
        }
        pendingRotations.push({ input, resolve, reject });
      });
    },

    restoreRefresh(input: RestoreInput) {
      return call("restoreRefresh", async () => {
        const reply = await runScript(RESTORE, [k(input.key), k(input.successorKey)], [String(Math.trunc(input.spentAt))]);
        return Number(reply) === 1;
      });
    },

    revoke(marks: RevocationMark[]) {
      if (marks.length === 0) return Promise.resolve();
      const keys = marks.map((m) => k(markKey(m)));
      const args = marks.flatMap((m) => [String(Math.trunc(m.at)), String(ttl(m.ttlSeconds))]);
      return call("revoke", async () => {
        await runScript(REVOKE, keys, args);
      });
    },

    newestMark(refs: MarkRef[]) {
      if (refs.length === 0) return Promise.resolve(null);
      return call("newestMark", async () => {
        const reply = await runScript(
          NEWEST,
          refs.map((r) => k(markKey(r))),
          [],
        );
        return reply === null || reply === undefined ? null : Number(reply);
      });
    },

    ping() {
      return call("ping", async () => {
        await http(() => redis.ping());
      });
    },
  };
}
