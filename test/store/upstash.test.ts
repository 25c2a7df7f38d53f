/**
 * The Upstash adapter against a real redis-server, through the Upstash REST bridge and the real
 * @upstash/redis client.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/store/store";
import { nodeUpstashTransport } from "../../src/store/node-transport";
import { createUpstashStore } from "../../src/store/upstash";
import { startRedis, type TestRedis } from "../support/redis-server";
import { RespClient } from "../support/resp";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { defineStoreContract } from "./contract";

let redis: TestRedis;
let bridge: UpstashBridge;

beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "test-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

const newStore = (timeoutMs?: number) =>
  createUpstashStore({
    url: bridge.url,
    token: bridge.token,
    prefix: `t:${randomUUID()}:`,
    ...(timeoutMs ? { timeoutMs } : {}),
  });

defineStoreContract("upstash", async () => ({
  store: newStore(),
  setLatency: (ms) => {
    bridge.latencyMs = ms;
  },
  teardown: async () => {
    bridge.latencyMs = 0;
  },
}));

// The same contract through the Node transport the server uses on Node (the library's own fetch above).
defineStoreContract("upstash over the Node transport", async () => ({
  store: createUpstashStore({
    url: bridge.url,
    token: bridge.token,
    prefix: `t:${randomUUID()}:`,
    transport: nodeUpstashTransport({ url: bridge.url, token: bridge.token, timeoutMs: 2000 }),
  }),
  teardown: async () => {},
}));

describe("upstash adapter specifics", () => {
  it("counts HTTP requests exactly: one per call once scripts are cached", async () => {
    const store = newStore();
    await store.newestMark([{ kind: "jti", id: "warm" }]);
    const before = bridge.commands;
    const trips = store.roundTrips;
    await store.newestMark([{ kind: "jti", id: "x" }]);
    await store.put("k", "v", 10);
    expect(bridge.commands - before).toBe(2);
    expect(store.roundTrips - trips).toBe(2);
  });

  it("falls back from EVALSHA to EVAL after SCRIPT FLUSH (NOSCRIPT)", async () => {
    const store = newStore();
    await store.revoke([{ kind: "jti", id: "a", at: 5, ttlSeconds: 30 }]);
    const resp = await RespClient.connect(redis.port);
    try {
      await resp.call("SCRIPT", "FLUSH");
    } finally {
      resp.close();
    }
    const before = store.roundTrips;
    expect(await store.newestMark([{ kind: "jti", id: "a" }])).toBe(5);
    expect(store.roundTrips - before).toBe(2); // evalsha → NOSCRIPT → eval
    const again = store.roundTrips;
    expect(await store.newestMark([{ kind: "jti", id: "a" }])).toBe(5);
    expect(store.roundTrips - again).toBe(1); // EVAL cached it
  });

  it("rotations asked for together share one pipeline request, each its own atomic script, and survive SCRIPT FLUSH", async () => {
    const store = newStore();
    const resp = await RespClient.connect(redis.port);
    try {
      await resp.call("SCRIPT", "FLUSH");
    } finally {
      resp.close();
    }
    const now = Date.now();
    const record = { family: "f", clientId: "c", sub: "acct_s", sid: "ses_s", iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 3600, data: "{}" };
    const keys = Array.from({ length: 8 }, (_, i) => `rt:batch${i}:${randomUUID()}`);
    for (const key of keys) await store.putRefresh(key, { ...record, family: `f-${key}` }, 3600);
    const rotate = (key: string) => store.rotateRefresh({ key, clientId: "c", successorKey: `${key}:next`, idleTtlSeconds: 3600, graceSeconds: 10, now });
    // The first batch meets NOSCRIPT and loads the script; the second is one HTTP request for all eight.
    expect((await Promise.all(keys.map(rotate))).map((r) => r.outcome)).toEqual(keys.map(() => "rotated"));
    const requests = bridge.commands;
    const trips = store.roundTrips;
    const again = await Promise.all([...keys.map(rotate), rotate(keys[0]!)]);
    expect(again.map((r) => r.outcome)).toEqual([...keys.map(() => "retry"), "retry"]);
    expect(bridge.commands - requests).toBe(1);
    expect(store.roundTrips - trips).toBe(9); // one round trip per rotation, as the port counts them
  });

  it("surfaces Redis command errors as ordinary errors", async () => {
    const prefix = `t:${randomUUID()}:`;
    const store = createUpstashStore({ url: bridge.url, token: bridge.token, prefix });
    // A hash where the store expects a string: GET on it is a WRONGTYPE error (a bug), not unavailability.
    const resp = await RespClient.connect(redis.port);
    try {
      await resp.call("HSET", `${prefix}wrong`, "f", "v");
    } finally {
      resp.close();
    }
    const err = await store.get("wrong").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailableError);
    expect(String(err)).toMatch(/WRONGTYPE/);
  });

  it("keeps a spent token as one compact string (no hash), still readable", async () => {
    const prefix = `t:${randomUUID()}:`;
    const store = createUpstashStore({ url: bridge.url, token: bridge.token, prefix });
    const rec = { family: "f", clientId: "c", sub: "s", sid: "x", iat: 1, exp: 4_000_000_000, data: "{}" };
    await store.putRefresh("rt", rec, 60);
    const now = Date.now();
    expect((await store.rotateRefresh({ key: "rt", clientId: "c", successorKey: "rt2", idleTtlSeconds: 60, graceSeconds: 5, now })).outcome).toBe("rotated");
    const resp = await RespClient.connect(redis.port);
    try {
      expect(await resp.call("TYPE", `${prefix}rt`)).toMatchObject({ value: "string" });
    } finally {
      resp.close();
    }
    expect(await store.getRefresh("rt")).toEqual({ record: rec, spentAt: now });
  });

  it("rejects with StoreUnavailableError quickly while redis is down, and recovers", async () => {
    const store = newStore();
    await store.put("k", "v", 60);
    await redis.stop();
    try {
      const started = Date.now();
      await expect(store.get("k")).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.rotateRefresh({
        key: "nope",
        clientId: "c",
        successorKey: "n2",
        idleTtlSeconds: 1,
        graceSeconds: 0,
        now: Date.now(),
      })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await redis.restart();
    }
    await store.ping();
    await store.put("k", "v2", 60);
    expect(await store.get("k")).toBe("v2");
    // Scripts were lost with the restart: NOSCRIPT fallback makes this work unchanged.
    expect(await store.newestMark([{ kind: "jti", id: "none" }])).toBeNull();
  }, 15_000);

  it("times out within timeoutMs when the REST endpoint does not answer", async () => {
    const net = await import("node:net");
    // A server that accepts connections and never replies.
    const sockets: import("node:net").Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as import("node:net").AddressInfo).port;
    const store = createUpstashStore({ url: `http://127.0.0.1:${port}`, token: "t", timeoutMs: 300 });
    const started = Date.now();
    await expect(store.get("k")).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
