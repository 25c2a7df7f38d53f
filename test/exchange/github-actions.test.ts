/**
 * Token exchange with GitHub Actions OIDC ID tokens, verified against the fake issuer's JWKS (msw serves
 * it at GitHub's real URL): audience, issuer, expiry, signature and algorithm are all enforced, an
 * unreachable key set is an outage, and a cached check never outlives the token.
 */
import { generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listIdentities } from "../../src/accounts/identities";
import { checkCacheKey } from "../../src/credentials/check-cache";
import { createTestApp, type TestApp } from "../support/app";
import { createWorld, startFakes, type World } from "../support/fakes";
import { accountCount, actionsClaims, body, botClient, exchange, exchangeEnv, ISSUER, signActions, verifyAccessToken } from "./setup";

let world: World;
let server: ReturnType<typeof startFakes>;
let t: TestApp;
let client: { id: string; secret: string };

beforeAll(async () => {
  world = await createWorld(ISSUER);
  server = startFakes(world);
  t = await createTestApp({ env: exchangeEnv() });
  client = await botClient(t);
});
afterAll(() => {
  server.close();
  t.close();
});
afterEach(() => {
  world.github.outage = "none";
});

async function refused(token: string, app = t) {
  const res = await exchange(app, client, "github-actions", token);
  expect(res.status).toBe(400);
  const b = await body(res);
  expect(b).toMatchObject({ error: "invalid_grant" });
  expect(b).not.toHaveProperty("access_token");
  return String(b.error_description);
}

describe("token exchange: GitHub Actions", () => {
  it("a run on acme/api main gets `deploy` from the rules; kind:user rules never apply", async () => {
    const token = await world.github.actions.sign(actionsClaims(), ISSUER); // the fake issuer's own signer
    const res = await exchange(t, client, "github-actions", token, { scope: "deploy admin profile" });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b).toMatchObject({ token_type: "Bearer", issued_token_type: "urn:ietf:params:oauth:token-type:access_token", scope: "deploy profile" });
    expect(b).not.toHaveProperty("refresh_token");
    const { payload } = await verifyAccessToken(t, String(b.access_token));
    expect(payload).toMatchObject({ client_id: client.id, scope: "deploy profile", roles: [] });
    const [identity] = await listIdentities(t.deps.db, String(payload.sub));
    expect(identity).toMatchObject({ provider: "github-actions", subject: "repo:acme/api:ref:refs/heads/main" });
    expect(identity?.facts).toMatchObject({ repository: "acme/api", ref: "refs/heads/main", workflow: "deploy", actor: "octocat" });
  });

  it("a feature branch of the same repository does not get `deploy`", async () => {
    const claims = actionsClaims({ sub: "repo:acme/api:ref:refs/heads/feature", ref: "refs/heads/feature" });
    const b = await body(await exchange(t, client, "github-actions", await signActions(world, claims)));
    expect(b.scope).toBe("profile");
  });

  it("runs sharing one subject get scopes from their own token's facts", async () => {
    // An environment subject covers every ref: main deploys, a branch sharing the subject does not.
    const sub = "repo:acme/api:environment:prod";
    const main = await signActions(world, actionsClaims({ sub, environment: "prod" }));
    const branch = await signActions(world, actionsClaims({ sub, environment: "prod", ref: "refs/heads/evil" }));
    const runs = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? main : branch));
    const answers = await Promise.all(runs.map(async (token) => (await body(await exchange(t, client, "github-actions", token))).scope));
    expect(answers).toEqual(runs.map((token) => (token === main ? "deploy profile" : "profile")));
  });

  it("wrong audience, wrong issuer, expired, another key, unknown kid, HS256 or garbage: invalid_grant", async () => {
    const claims = actionsClaims();
    const now = Math.floor(Date.now() / 1000);
    expect(await refused(await signActions(world, claims, { aud: "https://other.example.com" }))).toMatch(/audience/);
    expect(await refused(await signActions(world, claims, { iss: "https://evil.example.com" }))).toMatch(/GitHub Actions/);
    expect(await refused(await signActions(world, claims, { iat: now - 900, exp: now - 600 }))).toMatch(/exp/);
    const other = await generateKeyPair("RS256");
    await refused(await signActions(world, claims, { key: other.privateKey })); // same kid, wrong key
    await refused(await signActions(world, claims, { key: other.privateKey, kid: "unknown-kid" }));
    const hmac = new TextEncoder().encode("x".repeat(32));
    await refused(await signActions(world, claims, { alg: "HS256", key: hmac }));
    await refused("not.a.jwt");
    await refused(await signActions(world, { repository: "acme/api" })); // no sub, ref, workflow…
  });

  it("an outage of GitHub's key set is 503, nothing created; once back, the same token works", async () => {
    const fresh = await createTestApp({ env: exchangeEnv() }); // its key set has not been fetched yet
    try {
      const c = await botClient(fresh);
      const token = await signActions(world, actionsClaims());
      world.github.outage = "down";
      const res = await exchange(fresh, c, "github-actions", token);
      expect(res.status).toBe(503);
      expect(await body(res)).toMatchObject({ error: "temporarily_unavailable" });
      expect(await accountCount(fresh)).toBe(0);
      world.github.outage = "none";
      expect((await exchange(fresh, c, "github-actions", token)).status).toBe(200);
    } finally {
      fresh.close();
    }
  });

  it("a token expiring in 5 s is cached at most until then: afterwards the exchange fails", async () => {
    const nowS = Math.floor(t.deps.now() / 1000);
    const token = await signActions(world, actionsClaims(), { iat: nowS, exp: nowS + 5 });
    const first = await exchange(t, client, "github-actions", token);
    expect(first.status).toBe(200);
    // The access token does not outlive the credential it came from.
    const { expires_in, access_token } = (await first.json()) as { expires_in: number; access_token: string };
    expect(expires_in).toBeLessThanOrEqual(5);
    const claims = JSON.parse(Buffer.from(access_token.split(".")[1]!, "base64url").toString()) as { exp: number };
    expect(claims.exp).toBeLessThanOrEqual(nowS + 5);
    const key = await checkCacheKey("github-actions", token);
    expect(await t.deps.store.get(key)).not.toBeNull(); // cached…
    expect((await exchange(t, client, "github-actions", token)).status).toBe(200);
    t.advance(15_000); // …but not past the token's exp (+ clock tolerance)
    expect(await t.deps.store.get(key)).toBeNull();
    expect(await refused(token)).toMatch(/exp/);
  });
});
