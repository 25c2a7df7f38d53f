/**
 * SECURITY.md: "An undo of a store operation (a restore after a failed refresh) can never resurrect a token
 * once its successor was served." Someone holding a stolen refresh token floods refreshes that fail after
 * rotating (a scope outside the grant); the rightful client's refresh lands in between. The rightful client
 * must keep a working token — never be silently logged out while the thief's copy rotates on. Both stores,
 * with latency injected into the Upstash bridge so the calls interleave as over a network.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { newId } from "../../src/lib/ids";
import { createServices } from "../../src/services";
import { createTestApp } from "../support/app";
import { postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "race-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["embedded", "upstash"] as const)("failed refreshes racing a good one (%s store)", (store) => {
  it("the rightful client's successor survives every interleaving", async () => {
    const t = await createTestApp({ store, bridge });
    try {
      const { client, secret } = await createClient(t.deps.db, { name: "app", scopes: ["a", "b"], grants: ["client_credentials", "refresh_token"] });
      const creds = { id: client.id, secret: secret! };
      const services = createServices(t.deps);
      const refresh = (token: string, scope?: string) =>
        postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: token, ...(scope ? { scope } : {}) }, creds);
      bridge.latencyMs = 15;
      for (let round = 0; round < 6; round++) {
        const { token } = await services.refresh.issue({ clientId: client.id, sub: client.id, sid: newId("session"), grant: { scopes: ["a", "b"], aud: t.deps.config.audience }, now: t.deps.now() });
        const flood = async () => {
          for (let i = 0; i < 8; i++) expect((await refresh(token, "a zzz")).status).toBe(400);
        };
        const victim = async () => {
          await sleep(Math.random() * 60);
          const res = await refresh(token);
          expect(res.status).toBe(200);
          return ((await res.json()) as { refresh_token: string }).refresh_token;
        };
        const [, next] = await Promise.all([flood(), victim()]);
        // The token the rightful client was given works.
        expect((await refresh(next)).status).toBe(200);
      }
    } finally {
      bridge.latencyMs = 0;
      t.close();
    }
  });
});
