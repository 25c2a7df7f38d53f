/** Protocol tests of the Upstash REST bridge, spoken with plain fetch. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { startRedis, type TestRedis } from "./redis-server";
import { RespClient } from "./resp";
import { startUpstashBridge, type UpstashBridge } from "./upstash-bridge";

let redis: TestRedis;
let bridge: UpstashBridge;

beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "secret" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

async function post(path: string, body: unknown, opts: { base64?: boolean; token?: string } = {}) {
  const res = await fetch(bridge.url + path, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${opts.token ?? "secret"}`,
      ...(opts.base64 ? { "upstash-encoding": "base64" } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as unknown };
}

describe("upstash bridge protocol", () => {
  it("runs a single command: status stays plain, bulk strings are base64 on request", async () => {
    expect((await post("/", ["set", "greeting", "héllo", "ex", 60], { base64: true })).json).toEqual({ result: "OK" });
    expect((await post("/", ["get", "greeting"], { base64: true })).json).toEqual({ result: b64("héllo") });
    expect((await post("/", ["get", "greeting"])).json).toEqual({ result: "héllo" });
    expect((await post("/", ["get", "missing"], { base64: true })).json).toEqual({ result: null });
    expect((await post("/", ["incrby", "counter", 5], { base64: true })).json).toEqual({ result: 5 });
  });

  it("base64-encodes bulk strings at every depth", async () => {
    await post("/", ["rpush", "list", "a", "b", "ü"]);
    expect((await post("/", ["lrange", "list", 0, -1], { base64: true })).json).toEqual({
      result: [b64("a"), b64("b"), b64("ü")],
    });
    await post("/", ["hset", "hash", "f1", "v1", "f2", 7]);
    expect((await post("/", ["hgetall", "hash"], { base64: true })).json).toEqual({
      result: [b64("f1"), b64("v1"), b64("f2"), b64("7")],
    });
    const nested = await post("/", ["eval", "return {1, 'x', {'y', 2}, false}", 0], { base64: true });
    expect(nested.json).toEqual({ result: [1, b64("x"), [b64("y"), 2], null] });
  });

  it("answers a command error with HTTP 400 and {error}", async () => {
    const res = await post("/", ["lpush", "greeting", "x"]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/^WRONGTYPE/) });
    const noscript = await post("/", ["evalsha", "0".repeat(40), 0]);
    expect(noscript.status).toBe(400);
    expect(noscript.json).toEqual({ error: expect.stringMatching(/^NOSCRIPT/) });
  });

  it("refuses a wrong token with 401", async () => {
    const res = await post("/", ["ping"], { token: "wrong" });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: expect.any(String) });
  });

  it("echoes an upstash-sync-token header", async () => {
    const res = await post("/", ["ping"]);
    expect(res.headers.get("upstash-sync-token")).toBeTruthy();
  });

  it("runs /pipeline with per-item results and errors", async () => {
    const res = await post(
      "/pipeline",
      [["set", "p1", "one"], ["get", "p1"], ["lpush", "p1", "x"], ["del", "p1"]],
      { base64: true },
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: "OK" },
      { result: b64("one") },
      { error: expect.stringMatching(/^WRONGTYPE/) },
      { result: 1 },
    ]);
  });

  it("runs /multi-exec as one transaction", async () => {
    const res = await post("/multi-exec", [["set", "m1", "a"], ["append", "m1", "b"], ["get", "m1"]], { base64: true });
    expect(res.json).toEqual([{ result: "OK" }, { result: 2 }, { result: b64("ab") }]);
  });

  it("counts requests", async () => {
    const before = bridge.commands;
    await post("/", ["ping"]);
    await post("/pipeline", [["ping"], ["ping"]]);
    expect(bridge.commands - before).toBe(2);
  });

  it("answers 5xx quickly while redis is down", async () => {
    await redis.stop();
    try {
      const started = Date.now();
      const res = await post("/", ["ping"]);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.json).toEqual({ error: expect.any(String) });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await redis.restart();
    }
    expect((await post("/", ["ping"])).json).toEqual({ result: "PONG" });
  });

  it("serves the real @upstash/redis client with its defaults (auto-pipelining, JSON, Script fallback)", async () => {
    const client = new Redis({ url: bridge.url, token: "secret", enableTelemetry: false });
    await client.set("obj", { a: 1, s: "ü" });
    await client.hset("h2", { x: "1", y: "two" });
    await client.rpush("l2", "a", "b", "ü");
    const [obj, hash, list] = await Promise.all([
      client.get<{ a: number; s: string }>("obj"),
      client.hgetall<Record<string, string>>("h2"),
      client.lrange("l2", 0, -1),
    ]);
    expect(obj).toEqual({ a: 1, s: "ü" });
    expect(hash).toEqual({ x: 1, y: "two" });
    expect(list).toEqual(["a", "b", "ü"]);
    const script = client.createScript<string>("return ARGV[1] .. KEYS[1]");
    expect(await script.exec(["k"], ["v-"])).toBe("v-k");
    const resp = await RespClient.connect(redis.port);
    await resp.call("SCRIPT", "FLUSH");
    resp.close();
    expect(await script.exec(["k"], ["w-"])).toBe("w-k"); // EVALSHA → NOSCRIPT → EVAL
    await expect(client.lpush("obj", "x")).rejects.toThrow(/WRONGTYPE/);
  });

  it("accepts Upstash's allow-key-locking script flag, by EVAL and then by the original EVALSHA", async () => {
    const script = "#!lua flags=allow-key-locking\nreturn redis.call('incr', KEYS[1])";
    const { createHash } = await import("node:crypto");
    const sha = createHash("sha1").update(script).digest("hex");
    expect((await post("/", ["eval", script, 1, "flagged"])).json).toEqual({ result: 1 });
    expect((await post("/", ["evalsha", sha, 1, "flagged"])).json).toEqual({ result: 2 });
  });
});
