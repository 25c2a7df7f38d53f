/**
 * Request bodies are bounded while they stream, on every route, on both runtimes. Judged by the server's
 * memory, not only by the status: a real Node server (a child process) is sent several 100 MB chunked
 * bodies (no Content-Length) and must answer 413 in the route's own error format while its RSS barely
 * moves; the Workers build in workerd must answer 413 too.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyMigrations } from "../../src/db/migrate";
import { openDatabase } from "../../src/db/client";
import { generateSecret } from "../../src/lib/secret";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startSqld, type TestSqld } from "../support/sqld";
import { tempDir } from "../support/temp";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { startWorker, type TestWorker } from "../support/workerd";
import { spawnServer, type SpawnedServer } from "./spawned-server";

const MB = 1024 * 1024;
/** Just over the 16 KiB limit: small enough to be sent whole before the server answers, so the answer is always read. */
const OVER = 32 * 1024;

/** What came back for one streamed request. */
interface Streamed {
  status: number | undefined;
  contentType: string | undefined;
  body: string;
  /** Bytes the client managed to send before it got the answer or the connection was closed. */
  sent: number;
  error: string | undefined;
}

/**
 * POST `total` bytes to `url` chunked (no Content-Length) in `chunk`-byte chunks, honouring backpressure,
 * and stop sending as soon as the answer arrives or the server closes the connection. Node closes it right
 * after an early answer, so a client still writing a large body may get EPIPE/ECONNRESET instead of it.
 */
function streamPost(url: string, total: number, opts: { chunk?: number; headers?: Record<string, string>; whole?: boolean } = {}): Promise<Streamed> {
  const chunk = Buffer.alloc(opts.chunk ?? 64 * 1024, "a");
  return new Promise((resolve) => {
    const out: Streamed = { status: undefined, contentType: undefined, body: "", sent: 0, error: undefined };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      req.destroy();
      resolve(out);
    };
    const req = request(url, {
      method: "POST",
      agent: false,
      headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked", ...opts.headers },
    });
    req.on("response", (res) => {
      out.status = res.statusCode;
      out.contentType = res.headers["content-type"];
      res.setEncoding("utf8");
      res.on("data", (d: string) => (out.body += d));
      res.on("end", finish);
      res.on("error", finish);
    });
    req.on("error", (e) => {
      out.error = e.message;
      // A reset right after the answer may beat the answer's end event; give it a moment.
      setTimeout(finish, 200);
    });
    const pump = () => {
      // The answer may come long before the body is sent; stop then, as a client would.
      // `whole`: a small body is handed over in one piece and ended at once, as an ordinary client sends a
      // form, so no write comes after the early answer; the server drains the rest and the answer is
      // always read. Writing it piecemeal on 'drain' races the server's close after that answer (EPIPE).
      if (opts.whole) {
        out.sent = Math.ceil(total / chunk.length) * chunk.length;
        return void req.end(Buffer.alloc(out.sent, "a"));
      }
      while (!done && out.status === undefined && out.sent < total) {
        out.sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!done && out.status === undefined && !req.writableEnded) req.end();
    };
    req.write("grant_type=client_credentials&junk=");
    pump();
    setTimeout(() => {
      out.error ??= "timed out";
      finish();
    }, 30_000);
  });
}

/** Sample `read()` every 20 ms while `work` runs; the highest value seen. */
async function peakDuring(read: () => number, work: () => Promise<void>): Promise<number> {
  let peak = read();
  const timer = setInterval(() => (peak = Math.max(peak, read())), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, read());
}

describe("Node server: a streamed oversized body", () => {
  const dir = tempDir("authbridge-bodylimit-");
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnServer({
      cwd: dir.path,
      // A platform connector so its callback route exists; it is never reached (no flow cookie).
      env: { GITHUB_CLIENT_ID: "gh-client", GITHUB_CLIENT_SECRET: "gh-secret", LOG_LEVEL: "error" },
    });
    // Warm up the routes (module loading, JIT, first database statements) before measuring.
    for (let i = 0; i < 20; i++) {
      for (const path of ["/token", "/auth/github/callback", "/healthz"]) {
        const res = await fetch(`${server.url}${path}`, {
          method: path === "/healthz" ? "GET" : "POST",
          ...(path === "/healthz" ? {} : { body: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } }),
        });
        await res.arrayBuffer();
      }
    }
  });

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  test("4 × 100 MB each to /token and a provider callback: 413 in the route's format, RSS grows < 60 MB", { timeout: 120_000 }, async () => {
    const before = server.rss();
    const answers: Array<{ path: string; got: Streamed }> = [];
    const peak = await peakDuring(server.rss, async () => {
      for (let i = 0; i < 4; i++) {
        for (const path of ["/token", "/auth/github/callback"]) answers.push({ path, got: await streamPost(`${server.url}${path}`, 100 * MB) });
      }
    });
    // Memory first: it is what the limit is for.
    expect(peak - before, `RSS ${Math.round(before / MB)} MB → peak ${Math.round(peak / MB)} MB`).toBeLessThan(60 * MB);
    for (const { path, got } of answers) {
      // The server stopped reading long before the 100 MB were sent, and said 413 or closed the connection.
      expect(got.sent).toBeLessThan(50 * MB);
      if (got.status === undefined) {
        expect(got.error, path).toMatch(/EPIPE|ECONNRESET/);
        continue;
      }
      expect(got.status, path).toBe(413);
      if (path === "/token") {
        expect(got.contentType).toMatch(/^application\/json/);
        expect(JSON.parse(got.body)).toMatchObject({ error: "invalid_request", error_description: expect.stringMatching(/too large/) });
      } else {
        expect(got.contentType).toMatch(/^text\/html/);
        expect(got.body).toMatch(/too large/i);
      }
    }
    // Still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test.each([
    ["/token", "application/json"],
    ["/auth/github/callback", "text/html"],
  ])("%s answers a chunked body over the limit with 413 (%s)", async (path, type) => {
    const got = await streamPost(`${server.url}${path}`, OVER, { chunk: 4096, whole: true });
    expect(got.status, got.error).toBe(413);
    expect(got.contentType?.split(";")[0]).toBe(type);
  });

  test.each([
    ["/revoke", "application/json"],
    ["/introspect", "application/json"],
    ["/logout", "text/html"],
    ["/account/sessions/x/revoke", "text/html"],
    ["/nowhere", "application/problem+json"],
  ])("%s answers a chunked body over the limit with 413 (%s)", async (path, type) => {
    const got = await streamPost(`${server.url}${path}`, OVER, { chunk: 4096, headers: { origin: server.url }, whole: true });
    expect(got.status, got.error).toBe(413);
    expect(got.contentType?.split(";")[0]).toBe(type);
  });

  test("a declared Content-Length over the limit is refused before any byte is read", async () => {
    const res = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&junk=${"a".repeat(17 * 1024)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });

  test("a body just under the limit still reaches the handler", async () => {
    const res = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&client_id=nobody&junk=${"a".repeat(15 * 1024)}`,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
  });
});

describe("Workers build (workerd): a streamed oversized body", () => {
  let sqld: TestSqld | undefined;
  let redis: TestRedis | undefined;
  let bridge: UpstashBridge | undefined;
  let worker: TestWorker | undefined;

  beforeAll(async () => {
    [sqld, redis] = await Promise.all([startSqld(), startRedis()]);
    bridge = await startUpstashBridge({ redisPort: redis.port, token: "bodylimit-test-token" });
    const migrator = openDatabase({ url: sqld.url });
    await applyMigrations(migrator.db);
    migrator.client.close();
    worker = await startWorker({
      AUTHBRIDGE_ISSUER: "https://auth.example.com",
      AUTHBRIDGE_SECRET: generateSecret(),
      DATABASE_URL: sqld.url,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await bridge?.stop();
    await Promise.all([redis?.stop(), sqld?.stop()]);
  });

  test("a chunked POST over the limit to /token answers 413 invalid_request", async () => {
    const got = await streamPost(`${worker!.url}/token`, OVER, { chunk: 4096, whole: true });
    expect(got.status, got.error).toBe(413);
    expect(JSON.parse(got.body)).toMatchObject({ error: "invalid_request" });
  });

  test("a declared Content-Length over the limit answers 413", async () => {
    const res = await fetch(`${worker!.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&junk=${"a".repeat(64 * 1024)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });
});
