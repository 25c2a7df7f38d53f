/**
 * Browser sessions and login flows: a flow is single-use server-side (a copied flow cookie cannot be
 * replayed), sessions expire when idle (SESSION_IDLE_TTL, `last_seen_at` written at most once a minute),
 * and on an https issuer the cookies carry the `__Host-` / `__Secure-` prefixes.
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newFlow, readFlowCookie, writeFlowCookie } from "../../src/login/flow-cookie";
import { accounts, sessions } from "../../src/db/schema";
import { currentSession, startSession } from "../../src/session/session";
import { createTestApp, type TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

const ISSUER = "http://localhost:8787";
const HOUR = 3_600_000;

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "sessions-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

const devApp = (store: "embedded" | "upstash", env: Record<string, string> = {}) =>
  createTestApp({ store, bridge, env: { AUTHBRIDGE_ISSUER: ISSUER, AUTHBRIDGE_DEV_LOGIN: "1", ...env } });

/** Start a dev login: the flow cookie the browser got, and the picker form to post back. */
async function startLogin(t: TestApp, subject = "dev-1") {
  const b = new FakeBrowser(t.app, ISSUER);
  const start = await b.request(`${ISSUER}/auth/dev/start?intent=login&return_to=%2Faccount`);
  const state = /name="state" value="([^"]+)"/.exec(await start.text())?.[1];
  expect(state).toBeTruthy();
  const form = new URLSearchParams({ state: state!, impersonate: "github", subject, username: subject, orgs: "", teams: "" });
  return { b, cookie: `ab_flow_dev=${b.cookie("ab_flow_dev")!}`, form };
}

const callback = (t: TestApp, cookie: string, form: URLSearchParams) =>
  t.app.request(`${ISSUER}/auth/dev/callback`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER, cookie },
    body: form.toString(),
  });

for (const store of ["embedded", "upstash"] as const) {
  describe(`login flows are single-use (${store})`, () => {
    it("refuses a replayed flow cookie like a foreign state", async () => {
      const t = await devApp(store);
      const { cookie, form } = await startLogin(t);
      expect((await callback(t, cookie, form)).status).toBe(302);
      // A copy of the same signed cookie, still inside its lifetime, with the same state.
      const replay = await callback(t, cookie, form);
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain("Sign-in could not be completed");
      expect(replay.headers.getSetCookie().some((l) => l.startsWith("ab_session="))).toBe(false);
      t.close();
    });
  });
}

describe("session idle timeout", () => {
  async function signIn(t: TestApp): Promise<FakeBrowser> {
    const { b, form } = await startLogin(t);
    const res = await b.request(`${ISSUER}/auth/dev/callback`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER },
      body: form.toString(),
    });
    expect(res.status).toBe(302);
    expect(b.cookie("ab_session")).toBeTruthy();
    return b;
  }
  const account = (b: FakeBrowser) => b.request(`${ISSUER}/account`);
  const lastSeen = async (t: TestApp) => (await t.deps.db.select({ at: sessions.lastSeenAt }).from(sessions))[0]!.at;

  it("refuses a session unused for a day (default), and use keeps it alive", async () => {
    const t = await devApp("embedded");
    const b = await signIn(t);
    const created = await lastSeen(t);
    t.advance(23 * HOUR);
    expect((await account(b)).status).toBe(200);
    const used = await lastSeen(t);
    expect(used).toBeGreaterThanOrEqual(created + 23 * HOUR);
    // Written at most once a minute.
    t.advance(10_000);
    expect((await account(b)).status).toBe(200);
    expect(await lastSeen(t)).toBe(used);
    // 46 hours after sign-in, but used 23 hours ago: still alive.
    t.advance(23 * HOUR);
    expect((await account(b)).status).toBe(200);
    // Then a day without use: refused, well before the absolute lifetime.
    t.advance(24 * HOUR + 1000);
    const idle = await account(b);
    expect(idle.status).toBe(302);
    expect(idle.headers.get("location")).toBe("/signin");
    t.close();
  });

  it("follows SESSION_IDLE_TTL", async () => {
    const t = await devApp("embedded", { SESSION_IDLE_TTL: "120" });
    const b = await signIn(t);
    t.advance(100_000);
    expect((await account(b)).status).toBe(200);
    t.advance(121_000);
    expect((await account(b)).status).toBe(302);
    t.close();
  });
});

describe("cookie prefixes on an https issuer", () => {
  it("names the session cookie __Host-: Secure, Path=/, no Domain; the unprefixed name is ignored", async () => {
    const t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: "https://auth.example.com" } });
    await t.deps.db.insert(accounts).values({ id: "acct_1", kind: "user", createdAt: Date.now() });
    const app = new Hono();
    app.post("/in", async (c) => c.json(await startSession(c, t.deps, "acct_1")));
    app.get("/me", async (c) => c.json({ sid: (await currentSession(c, t.deps))?.sid ?? null }));
    const res = await app.request("https://auth.example.com/in", { method: "POST" });
    const line = res.headers.getSetCookie().join("\n");
    expect(line).toMatch(/^__Host-ab_session=/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Domain=/i);
    const { sid } = (await res.json()) as { sid: string };
    const value = line.split(";")[0]!.slice("__Host-ab_session=".length);
    const me = async (cookie: string) => (await app.request("https://auth.example.com/me", { headers: { cookie } })).json();
    expect(await me(`__Host-ab_session=${value}`)).toEqual({ sid });
    expect(await me(`ab_session=${value}`)).toEqual({ sid: null });
    const row = await t.deps.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sid));
    expect(row).toHaveLength(1);
    t.close();
  });

  it("names the flow cookie __Secure- (it stays scoped to its provider's path)", async () => {
    const t = await createTestApp({ env: { AUTHBRIDGE_ISSUER: "https://auth.example.com" } });
    const { config } = t.deps;
    const app = new Hono();
    app.get("/auth/github/start", async (c) => {
      await writeFlowCookie(c, config, "github", newFlow("login", "/", Date.now()));
      return c.body(null, 204);
    });
    app.get("/auth/github/callback", async (c) => c.json(await readFlowCookie(c, config, "github", Date.now())));
    const line = (await app.request("https://auth.example.com/auth/github/start")).headers.getSetCookie().join("\n");
    expect(line).toMatch(/^__Secure-ab_flow_github=/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; Path=\/auth\/github\//);
    const value = line.split(";")[0]!.slice("__Secure-ab_flow_github=".length);
    const read = async (cookie: string) => (await app.request("https://auth.example.com/auth/github/callback", { headers: { cookie } })).json();
    expect(await read(`__Secure-ab_flow_github=${value}`)).toMatchObject({ ok: true });
    expect(await read(`ab_flow_github=${value}`)).toMatchObject({ ok: false, reason: "missing" });
    t.close();
  });
});
