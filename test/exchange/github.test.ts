/**
 * Token exchange with GitHub user and installation tokens, against the msw fake GitHub: scopes come from
 * the rules (never a `kind: "user"` rule), bots get accounts of their own, refusals are `invalid_grant`,
 * outages 503 with nothing created.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listIdentities, resolveLogin } from "../../src/accounts/identities";
import { getAccount } from "../../src/accounts/accounts";
import { deriveKey } from "../../src/lib/secret";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { accountCount, ACCESS_TOKEN_TYPE, body, botClient, countCalls, exchange, exchangeEnv, ISSUER, verifyAccessToken } from "./setup";

let world: World;
let server: ReturnType<typeof startFakes>;
let calls: ReturnType<typeof countCalls>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  calls = countCalls(server);
  world.github.users.set(4242, { id: 4242, login: "octocat", emails: [], orgs: ["acme"], teams: ["acme/platform"] });
  world.github.tokens.set("gho_octocat", { userId: 4242, scope: "read:org" });
  world.github.installations.set("ghs_acme", { repositories: ["acme/api", "acme/web"] });
  t = await createTestApp({ env: exchangeEnv() });
  client = await botClient(t);
});
afterAll(() => {
  server.close();
  t.close();
});
afterEach(() => {
  world.github.outage = "none";
  calls.reset();
});

describe("token exchange: GitHub", () => {
  it("a user token becomes a bot account whose scopes come from the rules, never from kind:user rules", async () => {
    const res = await exchange(t, client, "github", "gho_octocat", { scope: "repos:read admin profile" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const b = await body(res);
    expect(b).toMatchObject({ token_type: "Bearer", issued_token_type: ACCESS_TOKEN_TYPE, expires_in: 600, scope: "profile repos:read" });
    expect(b).not.toHaveProperty("refresh_token");
    const { payload, protectedHeader } = await verifyAccessToken(t, String(b.access_token));
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ client_id: client.id, scope: "profile repos:read", roles: ["member"] });
    expect(payload).not.toHaveProperty("sid");
    expect(String(payload.sub)).toMatch(/^acct_/);
    const account = await getAccount(t.deps.db, String(payload.sub));
    expect(account?.kind).toBe("bot");
    const [identity] = await listIdentities(t.deps.db, String(payload.sub));
    expect(identity).toMatchObject({ provider: "github", subject: "user:4242", username: "octocat" });
  });

  it("the same person logging in and their token exchanged are two different accounts", async () => {
    const sealKey = await deriveKey(t.deps.config.secret, "provider-token-encryption");
    const human = await resolveLogin(
      t.deps.db,
      { provider: "github", subject: "4242", username: "octocat", emailVerified: false, facts: { provider: "github", orgs: ["acme"], teams: [] } },
      { intent: "login", sealKey, now: Date.now() },
    );
    expect(human.kind).toBe("user");
    const b = await body(await exchange(t, client, "github", "gho_octocat"));
    const { payload } = await verifyAccessToken(t, String(b.access_token));
    expect(payload.sub).not.toBe(human.accountId);
    expect((await getAccount(t.deps.db, human.accountId))?.kind).toBe("user"); // the person's account is untouched
  });

  it("an installation token: account keyed by the installation's account, repositories as facts", async () => {
    const res = await exchange(t, client, "github", "ghs_acme");
    expect(res.status).toBe(200);
    const b = await body(res);
    // ci:status from the kind:bot repository rule; installed on acme is not membership of acme.
    expect(b.scope).toBe("ci:status profile");
    const { payload } = await verifyAccessToken(t, String(b.access_token));
    const [identity] = await listIdentities(t.deps.db, String(payload.sub));
    expect(identity?.subject).toMatch(/^installation:\d+$/);
    expect(identity?.facts).toEqual({ provider: "github", orgs: [], teams: [], repositories: ["acme/api", "acme/web"] });
    expect(calls.of("api.github.com")).toBe(1); // ghs_ tokens go straight to /installation/repositories
  });

  it("a token in an unknown format is tried as a user token, then as an installation token", async () => {
    world.github.installations.set("0123456789abcdef0123456789abcdef01234567", { repositories: ["acme/api"] });
    const res = await exchange(t, client, "github", "0123456789abcdef0123456789abcdef01234567");
    expect(res.status).toBe(200);
    expect((await body(res)).scope).toBe("ci:status profile");
  });

  it("invalid and revoked tokens are invalid_grant and create nothing", async () => {
    const before = await accountCount(t);
    const bad = await exchange(t, client, "github", "gho_nope");
    expect(bad.status).toBe(400);
    expect(await body(bad)).toMatchObject({ error: "invalid_grant" });
    world.github.tokens.set("gho_revoked", { userId: 4242, scope: "read:org" });
    world.github.revoked.add("gho_revoked");
    world.github.installations.set("ghs_revoked", { repositories: ["acme/api"] });
    world.github.revoked.add("ghs_revoked");
    for (const token of ["gho_revoked", "ghs_revoked"]) {
      const res = await exchange(t, client, "github", token);
      expect(res.status).toBe(400);
      expect(await body(res)).toMatchObject({ error: "invalid_grant" });
    }
    expect(await accountCount(t)).toBe(before);
  });

  it("GitHub down: 503 temporarily_unavailable, nothing issued or created", async () => {
    world.github.installations.set("ghs_new", { repositories: ["acme/new"] });
    const before = await accountCount(t);
    world.github.outage = "down";
    const res = await exchange(t, client, "github", "ghs_new");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    const b = await body(res);
    expect(b).toMatchObject({ error: "temporarily_unavailable" });
    expect(b).not.toHaveProperty("access_token");
    expect(await accountCount(t)).toBe(before);
    world.github.outage = "none"; // the failure was not cached: it works at once
    expect((await exchange(t, client, "github", "ghs_new")).status).toBe(200);
  });

  it("a check is cached no longer than the token's own expiry (GitHub-Authentication-Token-Expiration)", async () => {
    world.github.installations.set("ghs_short", { repositories: ["acme/api"], expiresAt: t.deps.now() + 20_000 });
    expect((await exchange(t, client, "github", "ghs_short")).status).toBe(200);
    expect((await exchange(t, client, "github", "ghs_short")).status).toBe(200);
    expect(calls.of("api.github.com")).toBe(1);
    t.advance(21_000); // past the token's expiry, well inside the 60 s cache bound
    expect((await exchange(t, client, "github", "ghs_short")).status).toBe(200); // the fake still accepts it
    expect(calls.of("api.github.com")).toBe(2);
  });
});
