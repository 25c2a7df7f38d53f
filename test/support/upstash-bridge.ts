/**
 * A small HTTP server speaking the Upstash REST protocol in front of a real redis-server, so the real
 * `@upstash/redis` client (and our Upstash store) runs unchanged in tests.
 *
 * Protocol (as @upstash/redis 1.39 uses it): POST `/` with `["cmd", …args]`; POST `/pipeline` and
 * `/multi-exec` with `[[…], …]`; bearer auth; `{result}` / `{error}`; `Upstash-Encoding: base64` makes every
 * bulk string at every depth base64 (numbers, null and status replies stay raw).
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { RespClient, RespError, RespStatus, type RespValue } from "./resp";

/** A running bridge. */
export interface UpstashBridge {
  /** `http://127.0.0.1:port` — pass as the Upstash REST url. */
  url: string;
  token: string;
  stop(): Promise<void>;
  /** HTTP requests received so far (a round-trip counter). */
  readonly commands: number;
  /**
   * Injected latency: each request waits a random 0…latencyMs before it reaches Redis (0: none), so
   * concurrent calls interleave as they would over a real network.
   */
  latencyMs: number;
}

type Json = string | number | null | Json[] | { [k: string]: Json };

/** Redis must answer within this, or the request gets a 503 (the bridge never hangs). */
const REDIS_TIMEOUT_MS = 1500;

class RedisUnavailable extends Error {}

function toJson(v: RespValue, base64: boolean): Json {
  if (v === null || typeof v === "number") return v;
  if (Buffer.isBuffer(v)) return base64 ? v.toString("base64") : v.toString("utf8");
  if (v instanceof RespStatus) return v.value;
  if (v instanceof RespError) return { error: v.message };
  return v.map((x) => toJson(x, base64));
}

function isCommand(x: unknown): x is Array<string | number | boolean> {
  return (
    Array.isArray(x) &&
    x.length > 0 &&
    x.every((a) => typeof a === "string" || typeof a === "number" || typeof a === "boolean")
  );
}

/**
 * Upstash accepts a Lua flag real Redis does not know (`allow-key-locking`, used by @upstash/ratelimit's
 * scripts). Like Upstash, the bridge accepts it: the flag is dropped before Redis sees the script, and
 * EVALSHA of the original script's hash is mapped to the hash Redis knows.
 */
const UPSTASH_ONLY_FLAG = /^#!lua flags=([^\n]*)/;
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

function withoutUpstashFlags(script: string): string {
  return script.replace(UPSTASH_ONLY_FLAG, (_m, flags: string) => {
    const kept = flags.split(",").map((f) => f.trim()).filter((f) => f && f !== "allow-key-locking");
    return kept.length > 0 ? `#!lua flags=${kept.join(",")}` : "#!lua";
  });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Start the bridge on 127.0.0.1 (ephemeral port) in front of redis on `redisPort`.
 * @example const bridge = await startUpstashBridge({ redisPort: redis.port, token: "t" });
 *          const r = new Redis({ url: bridge.url, token: bridge.token });
 */
export async function startUpstashBridge(opts: { redisPort: number; token: string }): Promise<UpstashBridge> {
  let conn: RespClient | undefined;
  let commands = 0;
  let syncToken = 0;
  let latencyMs = 0;

  async function connection(): Promise<RespClient> {
    if (conn?.alive) return conn;
    conn = undefined;
    try {
      conn = await RespClient.connect(opts.redisPort, 500);
    } catch (err) {
      throw new RedisUnavailable(`redis unavailable: ${(err as Error).message}`);
    }
    return conn;
  }

  /** Run commands in one write, bounded by REDIS_TIMEOUT_MS. */
  async function run(cmds: Array<Array<string | number | boolean>>): Promise<RespValue[]> {
    const c = await connection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Replies may still arrive later and would misalign the queue: drop the connection.
        c.close();
        reject(new RedisUnavailable("redis did not answer in time"));
      }, REDIS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([c.pipeline(cmds.map((cmd) => cmd.map((a) => String(a)))), timeout]);
    } catch (err) {
      if (err instanceof RedisUnavailable) throw err;
      throw new RedisUnavailable(`redis unavailable: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  const scriptAliases = new Map<string, string>();
  /** Apply the Upstash-only script flag handling (see {@link withoutUpstashFlags}). */
  function translate(cmd: Array<string | number | boolean>): Array<string | number | boolean> {
    const name = String(cmd[0]).toLowerCase();
    if (name === "eval" && typeof cmd[1] === "string" && UPSTASH_ONLY_FLAG.test(cmd[1])) {
      const plain = withoutUpstashFlags(cmd[1]);
      scriptAliases.set(sha1(cmd[1]), sha1(plain));
      return [cmd[0]!, plain, ...cmd.slice(2)];
    }
    if (name === "evalsha" && typeof cmd[1] === "string") {
      const alias = scriptAliases.get(cmd[1].toLowerCase());
      if (alias) return [cmd[0]!, alias, ...cmd.slice(2)];
    }
    return cmd;
  }

  async function handle(path: string, rawBody: unknown, base64: boolean): Promise<{ status: number; json: Json }> {
    const body = isCommand(rawBody) ? translate(rawBody) : Array.isArray(rawBody) ? rawBody.map((c: unknown) => (isCommand(c) ? translate(c) : c)) : rawBody;
    if (path === "/") {
      if (!isCommand(body)) return { status: 400, json: { error: "ERR bad request: expected a command array" } };
      const [reply] = await run([body]);
      if (reply instanceof RespError) return { status: 400, json: { error: reply.message } };
      return { status: 200, json: { result: toJson(reply ?? null, base64) } };
    }
    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || body.length === 0 || !body.every(isCommand)) {
        return { status: 400, json: { error: "ERR bad request: expected an array of commands" } };
      }
      const multi = path === "/multi-exec";
      const replies = await run(multi ? [["MULTI"], ...body, ["EXEC"]] : body);
      let items: RespValue[] = replies;
      if (multi) {
        const exec = replies[replies.length - 1];
        if (exec instanceof RespError) return { status: 400, json: { error: exec.message } };
        items = Array.isArray(exec) ? exec : [];
      }
      return {
        status: 200,
        json: items.map((r): Json => (r instanceof RespError ? { error: r.message } : { result: toJson(r, base64) })),
      };
    }
    return { status: 404, json: { error: `ERR unknown path ${path}` } };
  }

  const server = http.createServer((req, res) => {
    commands++;
    const send = (status: number, json: Json): void => {
      res.writeHead(status, {
        "content-type": "application/json",
        "upstash-sync-token": String(++syncToken),
      });
      res.end(JSON.stringify(json));
    };
    void (async () => {
      if (req.headers.authorization !== `Bearer ${opts.token}`) {
        await readBody(req).catch(() => "");
        return send(401, { error: "Unauthorized" });
      }
      if (req.method !== "POST") return send(405, { error: "ERR only POST is supported" });
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { error: "ERR failed to parse request body as JSON" });
      }
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, Math.random() * latencyMs));
      try {
        const { status, json } = await handle(path, body, base64);
        send(status, json);
      } catch (err) {
        send(503, { error: err instanceof Error ? err.message : String(err) });
      }
    })().catch(() => {
      if (!res.headersSent) send(500, { error: "bridge failure" });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    get commands() {
      return commands;
    },
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    async stop() {
      conn?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
