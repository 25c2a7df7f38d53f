import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./support/app";
import { startRedis, type TestRedis } from "./support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "./support/upstash-bridge";

let redis: TestRedis;
let bridge: UpstashBridge;
let t: TestApp;

beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "health-token" });
  t = await createTestApp({ store: "upstash", bridge });
});
afterAll(async () => {
  t?.close();
  await bridge?.stop();
  await redis?.stop();
});

describe("/healthz", () => {
  it("is 200 while the database and the state store answer", async () => {
    const res = await t.app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { database: "ok", state_store: "ok" } });
  });

  it("answers 503 naming the state store within 2 s while redis is down, and 200 again without a restart", async () => {
    await redis.stop();
    try {
      const started = Date.now();
      const res = await t.app.request("/healthz");
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = (await res.json()) as { detail: string; checks: Record<string, string> };
      expect(body.detail).toBe("state store unavailable");
      expect(body.checks).toEqual({ database: "ok", state_store: "unavailable" });
    } finally {
      await redis.restart();
    }
    const res = await t.app.request("/healthz");
    expect(res.status).toBe(200);
  });

  it("names the database when it is gone", async () => {
    const broken = await createTestApp({ store: "upstash", bridge });
    broken.deps.dbClient.close();
    const res = await broken.app.request("/healthz");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toBe("database unavailable");
    broken.close();
  });
});
