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

  it("the token endpoint answers 503 temporarily_unavailable in bounded time while the store is down, then recovers", async () => {
    const { createClient } = await import("../src/clients/registry");
    const { createServices } = await import("../src/services");
    const { postForm } = await import("./support/oauth");
    const { client, secret } = await createClient(t.deps.db, { name: "down", scopes: ["a"], grants: ["refresh_token"] });
    const creds = { id: client.id, secret: secret! };
    const { token } = await createServices(t.deps).refresh.issue({ clientId: client.id, sub: client.id, sid: "ses_down", grant: { scopes: ["a"], aud: t.deps.config.audience }, now: Date.now() });
    await redis.stop();
    try {
      const started = Date.now();
      const res = await postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: token }, creds);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBeTruthy();
      expect(await res.json()).toMatchObject({ error: "temporarily_unavailable" });
    } finally {
      await redis.restart();
    }
    // The test redis keeps nothing across its restart; the app recovers without one of its own.
    const fresh = await createServices(t.deps).refresh.issue({ clientId: client.id, sub: client.id, sid: "ses_up", grant: { scopes: ["a"], aud: t.deps.config.audience }, now: Date.now() });
    const again = await postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: fresh.token }, creds);
    expect(again.status).toBe(200);
  });
});
