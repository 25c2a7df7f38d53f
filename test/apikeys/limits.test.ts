/**
 * API key limits on both setups — the per-key request limit (the shared Upstash limiter, or the in-process
 * one on the embedded setup) and the failed-authentication limit for refused keys — and no key in any
 * log line or error, whatever happens to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/apikeys/registry";
import { revokeApiKeyEverywhere } from "../../src/apikeys/revoke";
import { generateApiKey } from "../../src/apikeys/format";
import { createClient } from "../../src/clients/registry";
import { accounts } from "../../src/db/schema";
import { observedApp, type ObservedApp } from "../observability/support";
import { postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const KEY_TYPE = "urn:authbridge:token-type:api-key";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "api-key-limits" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

describe.each(["embedded", "upstash"] as const)("API key limits (%s store)", (store) => {
  let o: ObservedApp;
  let account: string;
  let rs: { id: string; secret: string };

  beforeAll(async () => {
    o = await observedApp({ store, bridge, env: { API_KEY_RATE_LIMIT_PER_MINUTE: "3", AUTH_FAILURES_PER_MINUTE: "4", AUTHBRIDGE_RULES: JSON.stringify({ rules: [{ when: {}, grant: ["profile"] }] }) } });
    account = "acct_limits";
    await o.t.deps.db.insert(accounts).values({ id: account, kind: "user", createdAt: Date.now() });
    const c = await createClient(o.t.deps.db, { name: "api", introspectAudiences: ["https://api.example"] });
    rs = { id: c.client.id, secret: c.secret! };
  });
  afterAll(() => o?.t.close());

  const exchange = (key: string, peer = "203.0.113.1") =>
    o.app.request("/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-test-peer": peer },
      body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: key, subject_token_type: KEY_TYPE }).toString(),
    });

  it("a key over its per-minute limit gets 429 slow_down with Retry-After, at the exchange and at introspection; another key is unaffected", async () => {
    const { key } = await createApiKey(o.t.deps.db, o.t.deps.config.secret, { owner: { kind: "account", accountId: account }, name: "hot", createdBy: "cli" });
    const { key: other } = await createApiKey(o.t.deps.db, o.t.deps.config.secret, { owner: { kind: "account", accountId: account }, name: "calm", createdBy: "cli" });
    for (let i = 0; i < 3; i++) expect((await exchange(key, `198.51.100.${i}`)).status).toBe(200);
    const over = await exchange(key, "198.51.100.9"); // from another address too: the limit is the key's
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ error: "slow_down" });
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    const intro = await postForm(o.app, "/introspect", { token: key }, rs);
    expect(intro.status).toBe(429);
    expect((await exchange(other)).status).toBe(200);
  });

  it("a client that may not introspect keys learns nothing and spends nothing of a key's limit", async () => {
    const { key } = await createApiKey(o.t.deps.db, o.t.deps.config.secret, { owner: { kind: "account", accountId: account }, name: "watched", createdBy: "cli" });
    const stranger = await createClient(o.t.deps.db, { name: "stranger", grants: ["client_credentials"] });
    for (let i = 0; i < 5; i++) {
      const res = await postForm(o.app, "/introspect", { token: key }, { id: stranger.client.id, secret: stranger.secret! });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ active: false });
    }
    for (let i = 0; i < 3; i++) expect((await exchange(key, `198.51.100.${20 + i}`)).status).toBe(200); // the whole budget is still there
  });

  it("refused keys count as failed authentications per address: past the limit that address waits", async () => {
    const peer = "192.0.2.77";
    const { key, apiKey } = await createApiKey(o.t.deps.db, o.t.deps.config.secret, { owner: { kind: "account", accountId: account }, name: "revoked", createdBy: "cli" });
    await revokeApiKeyEverywhere(o.t.deps, apiKey, "cli");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await exchange(i % 2 ? key : generateApiKey(), peer)).status);
    expect(statuses).toEqual([400, 400, 400, 400]);
    const limited = await exchange(generateApiKey(), peer);
    expect(limited.status).toBe(429);
    expect((await exchange(generateApiKey(), "192.0.2.78")).status).toBe(400); // other addresses are not punished
  });

  it("no key appears in any log line or error answer", async () => {
    const { key } = await createApiKey(o.t.deps.db, o.t.deps.config.secret, { owner: { kind: "account", accountId: account }, name: "quiet", createdBy: "cli" });
    const noise = generateApiKey();
    const answers = [await exchange(key, "192.0.2.200"), await exchange(noise, "192.0.2.200"), await exchange(`${key}x`, "192.0.2.200"), await postForm(o.app, "/introspect", { token: key }, rs)];
    const bodies = await Promise.all(answers.map((r) => r.text()));
    for (const b of bodies) {
      expect(b).not.toContain(key);
      expect(b).not.toContain(noise);
    }
    const logged = o.lines.join("\n");
    expect(o.lines.length).toBeGreaterThan(0);
    expect(logged).not.toContain(key.slice(4, 40));
    expect(logged).not.toContain(noise.slice(4, 40));
  });
});
