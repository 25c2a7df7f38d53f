import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/clients/registry";
import { createTestApp, type TestApp } from "./support/app";
import { postForm } from "./support/oauth";
import { startRedis, type TestRedis } from "./support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "./support/upstash-bridge";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "rl-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

async function client(t: TestApp, name: string) {
  const { client: c, secret } = await createClient(t.deps.db, { name, scopes: ["a"] });
  return { id: c.id, secret: secret! };
}
const grant = (t: TestApp, creds: { id: string; secret: string }) => postForm(t.app, "/token", { grant_type: "client_credentials" }, creds);

for (const store of ["embedded", "upstash"] as const) {
  describe(`rate limits (${store})`, () => {
    it("limits request volume at /token and /introspect per address with 429 slow_down and Retry-After", async () => {
      const t = await createTestApp({ store, bridge, env: { RATE_LIMIT_PER_MINUTE: "5", AUTHBRIDGE_DEV_LOGIN: "1" } });
      const a = await client(t, "a");
      const b = await client(t, "b");
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await grant(t, a)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await grant(t, a);
      expect(await limited.json()).toMatchObject({ error: "slow_down" });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another client at the same address shares its budget (the id in a Basic header is only a claim).
      expect((await grant(t, b)).status).toBe(429);
      for (let i = 0; i < 5; i++) await postForm(t.app, "/introspect", { token: "x" }, b);
      expect((await postForm(t.app, "/introspect", { token: "x" }, b)).status).toBe(429);

      // Browsers at the provider callback are keyed by address: one per minute at this setting.
      const first = await t.app.request("/auth/dev/callback", { headers: { "x-test-peer": "10.9.9.9" } });
      expect(first.status).toBe(400);
      const second = await t.app.request("/auth/dev/callback", { headers: { "x-test-peer": "10.9.9.9" } });
      expect(second.status).toBe(429);
      expect(second.headers.get("content-type")).toMatch(/text\/html/);
      expect((await t.app.request("/auth/dev/callback", { headers: { "x-test-peer": "10.9.9.10" } })).status).toBe(400);
      t.close();
    });

    it("limits failed client authentication, then refuses even the right secret for the window", async () => {
      const t = await createTestApp({ store, bridge, env: { AUTH_FAILURES_PER_MINUTE: "3" } });
      const a = await client(t, "a");
      const wrong = { id: a.id, secret: "secret_wrong" };
      expect([(await grant(t, wrong)).status, (await grant(t, wrong)).status, (await grant(t, wrong)).status]).toEqual([401, 401, 401]);
      const over = await grant(t, wrong);
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ error: "slow_down" });
      expect((await grant(t, a)).status).toBe(429);
      t.advance(61_000);
      if (store === "embedded") expect((await grant(t, a)).status).toBe(200); // the shared window is real time on Redis
      t.close();
    });
  });
}

it("failed authentications count across instances sharing Redis", async () => {
  const limiterPrefix = `shared:${randomUUID()}:`;
  const env = { AUTH_FAILURES_PER_MINUTE: "3" };
  const one = await createTestApp({ store: "upstash", bridge, env, limiterPrefix });
  const two = await createTestApp({ store: "upstash", bridge, env, limiterPrefix });
  const wrong = { id: "client_same", secret: "secret_wrong" };
  expect((await grant(one, wrong)).status).toBe(401);
  expect((await grant(one, wrong)).status).toBe(401);
  expect((await grant(two, wrong)).status).toBe(401);
  expect((await grant(two, wrong)).status).toBe(429);
  expect((await grant(one, wrong)).status).toBe(429);
  one.close();
  two.close();
});

it("the embedded limiter's window resets", async () => {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: "1" } });
  const creds = await client(t, "a");
  expect((await grant(t, creds)).status).toBe(200);
  expect((await grant(t, creds)).status).toBe(429);
  t.advance(61_000);
  expect((await grant(t, creds)).status).toBe(200);
  t.close();
});

it("X-Forwarded-For is believed only with AUTHBRIDGE_TRUST_PROXY", async () => {
  const hit = (t: TestApp, xff: string) => t.app.request("/auth/dev/callback", { headers: { "x-forwarded-for": xff, "x-test-peer": "10.0.0.1" } });
  const direct = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: "5", AUTHBRIDGE_DEV_LOGIN: "1" } });
  expect((await hit(direct, "1.1.1.1")).status).toBe(400);
  // A forged header does not give a fresh budget: the peer address is what counts.
  expect((await hit(direct, "2.2.2.2")).status).toBe(429);
  direct.close();
  const proxied = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: "5", AUTHBRIDGE_DEV_LOGIN: "1", AUTHBRIDGE_TRUST_PROXY: "1" } });
  expect((await hit(proxied, "9.9.9.9, 1.1.1.1")).status).toBe(400);
  // Behind our proxy the right-most entry (the one the proxy appended) is the caller.
  expect((await hit(proxied, "9.9.9.9, 2.2.2.2")).status).toBe(400);
  expect((await hit(proxied, "8.8.8.8, 2.2.2.2")).status).toBe(429);
  proxied.close();
});
