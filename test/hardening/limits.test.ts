/**
 * SECURITY.md "Rate limits": keys come from the caller's address or from what was authenticated, never from
 * the client id a Basic header claims. On both setups (embedded and Upstash against a real redis-server).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { createTestApp, type TestApp } from "../support/app";
import { pkce } from "../support/login";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "limits-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

type Creds = { id: string; secret: string };

/** POST a form from `peer`, with Basic credentials or (post: true) client_secret_post. */
function post(t: TestApp, path: string, form: Record<string, string>, peer: string, creds?: Creds, how: "basic" | "post" = "basic") {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", "x-test-peer": peer };
  const body = new URLSearchParams(form);
  if (creds && how === "basic") headers.authorization = `Basic ${btoa(`${encodeURIComponent(creds.id)}:${encodeURIComponent(creds.secret)}`)}`;
  if (creds && how === "post") {
    body.set("client_id", creds.id);
    body.set("client_secret", creds.secret);
  }
  return t.app.request(path, { method: "POST", headers, body: body.toString() });
}
const grant = (t: TestApp, creds: Creds, peer: string, how: "basic" | "post" = "basic") =>
  post(t, "/token", { grant_type: "client_credentials" }, peer, creds, how);

async function client(t: TestApp, name: string): Promise<Creds> {
  const { client: c, secret } = await createClient(t.deps.db, { name, scopes: ["a"] });
  return { id: c.id, secret: secret! };
}

async function statuses(n: number, call: () => Response | Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call()).status);
  return out;
}

let junk = 0;
const junkCreds = (): Creds => ({ id: `client_junk_${++junk}_${Math.random().toString(36).slice(2)}`, secret: "secret_x" });

for (const store of ["embedded", "upstash"] as const) {
  describe(`rate-limit keys (${store})`, () => {
    it("counts request volume per address: one busy address does not starve the same client elsewhere", async () => {
      const t = await createTestApp({ store, bridge, env: { RATE_LIMIT_PER_MINUTE: "3", AUTH_FAILURES_PER_MINUTE: "100" } });
      const a = await client(t, "a");
      expect(await statuses(4, () => grant(t, a, "10.1.0.1"))).toEqual([200, 200, 200, 429]);
      // The same client from another address has its own budget.
      expect((await grant(t, a, "10.1.0.2")).status).toBe(200);
      t.close();
    });

    it("gives junk client ids from one address that address's bucket, not a fresh one each", async () => {
      const t = await createTestApp({ store, bridge, env: { RATE_LIMIT_PER_MINUTE: "3", AUTH_FAILURES_PER_MINUTE: "100" } });
      expect(await statuses(4, () => grant(t, junkCreds(), "10.2.0.1"))).toEqual([401, 401, 401, 429]);
      t.close();
    });

    it("locks out wrong secrets per client and address: the right secret keeps working from another address", async () => {
      const t = await createTestApp({ store, bridge, env: { AUTH_FAILURES_PER_MINUTE: "3" } });
      const victim = await client(t, "victim");
      const wrong = { id: victim.id, secret: "secret_wrong" };
      expect(await statuses(4, () => grant(t, wrong, "10.3.0.66"))).toEqual([401, 401, 401, 429]);
      // From the flooding address even the right secret waits (a right guess must look like a wrong one),
      // whichever way it is sent.
      expect((await grant(t, victim, "10.3.0.66")).status).toBe(429);
      expect((await grant(t, victim, "10.3.0.66", "post")).status).toBe(429);
      // Nor at the other endpoints that authenticate clients.
      expect((await post(t, "/introspect", { token: "x" }, "10.3.0.66", victim)).status).toBe(429);
      expect((await post(t, "/revoke", { token: "x" }, "10.3.0.66", victim, "post")).status).toBe(429);
      // The owner, elsewhere, is not locked out.
      expect((await grant(t, victim, "10.3.0.7")).status).toBe(200);
      expect((await grant(t, victim, "10.3.0.7", "post")).status).toBe(200);
      t.close();
    });

    it("counts failures of unknown client ids per address; existing clients keep their own bucket", async () => {
      const t = await createTestApp({ store, bridge, env: { AUTH_FAILURES_PER_MINUTE: "3" } });
      const a = await client(t, "a");
      expect(await statuses(4, () => grant(t, junkCreds(), "10.4.0.1"))).toEqual([401, 401, 401, 429]);
      // Sent in the body the junk ids share the same bucket.
      expect((await grant(t, junkCreds(), "10.4.0.1", "post")).status).toBe(429);
      // Another address is not affected, and a real client at the junk address still authenticates.
      expect((await grant(t, junkCreds(), "10.4.0.2")).status).toBe(401);
      expect((await grant(t, a, "10.4.0.1")).status).toBe(200);
      t.close();
    });

    it("answers an unknown client and a wrong secret identically", async () => {
      const t = await createTestApp({ store, bridge });
      const a = await client(t, "a");
      const unknown = await grant(t, { id: "client_nobody", secret: "secret_wrong" }, "10.5.0.1");
      const wrong = await grant(t, { id: a.id, secret: "secret_wrong" }, "10.5.0.1");
      expect(unknown.status).toBe(wrong.status);
      expect(await unknown.json()).toEqual(await wrong.json());
      expect(unknown.headers.get("www-authenticate")).toBe(wrong.headers.get("www-authenticate"));
      t.close();
    });

    it("limits /revoke: request volume per address and failed authentication", async () => {
      const t = await createTestApp({ store, bridge, env: { RATE_LIMIT_PER_MINUTE: "5", AUTH_FAILURES_PER_MINUTE: "2" } });
      const a = await client(t, "a");
      const revoke = (creds: Creds, peer: string) => post(t, "/revoke", { token: "not-a-token" }, peer, creds);
      expect(await statuses(6, () => revoke(a, "10.6.0.1"))).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await revoke(a, "10.6.0.1");
      expect(await limited.json()).toMatchObject({ error: "slow_down" });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      const wrong = { id: a.id, secret: "secret_wrong" };
      expect(await statuses(3, () => revoke(wrong, "10.6.0.2"))).toEqual([401, 401, 429]);
      expect((await revoke(a, "10.6.0.2")).status).toBe(429);
      expect((await revoke(a, "10.6.0.3")).status).toBe(200);
      t.close();
    });

    it("limits unauthenticated /authorize per address with an HTML 429, before storing anything", async () => {
      // A tenth of RATE_LIMIT_PER_MINUTE: one pending request per minute per address here.
      const t = await createTestApp({ store, bridge, env: { RATE_LIMIT_PER_MINUTE: "10", AUTHBRIDGE_DEV_LOGIN: "1" } });
      const cb = "https://app.example.com/cb";
      const pub = (await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: [cb] })).client.id;
      const states = t.deps.store;
      const put = states.put.bind(states);
      let puts = 0;
      states.put = (k, v, ttl) => {
        if (k.startsWith("authz:")) puts++;
        return put(k, v, ttl);
      };
      const authorize = (peer: string) => {
        const q = new URLSearchParams({ response_type: "code", client_id: pub, redirect_uri: cb, code_challenge: pkce().challenge, code_challenge_method: "S256", provider: "dev" });
        return t.app.request(`/authorize?${q}`, { headers: { "x-test-peer": peer } });
      };
      expect((await authorize("10.7.0.1")).status).toBe(302);
      expect(puts).toBe(1);
      const limited = await authorize("10.7.0.1");
      expect(limited.status).toBe(429);
      expect(limited.headers.get("content-type")).toMatch(/text\/html/);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(puts).toBe(1);
      expect((await authorize("10.7.0.2")).status).toBe(302);
      t.close();
    });
  });
}
