/**
 * SECURITY.md: API keys are never taken for JWTs or the other way round, and hostile `subject_token`
 * values at the key exchange and `/introspect` get the documented 4xx shapes, never a 5xx.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/apikeys/format";
import { createApiKey } from "../../src/apikeys/registry";
import { createClient } from "../../src/clients/registry";
import { accounts } from "../../src/db/schema";
import { signAccessToken } from "../../src/tokens/access";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const KEY_TYPE = "urn:authbridge:token-type:api-key";

let t: TestApp;
let key: string;
let jwt: string;
let rs: { id: string; secret: string };
beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_FAILURES_PER_MINUTE: "0", RATE_LIMIT_PER_MINUTE: "0" } });
  await t.deps.db.insert(accounts).values({ id: "acct_hostile", kind: "user", createdAt: Date.now() });
  key = (await createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "account", accountId: "acct_hostile" }, name: "k", createdBy: "cli" })).key;
  const c = await createClient(t.deps.db, { name: "rs", grants: ["client_credentials", "refresh_token"], introspectAudiences: [t.deps.config.audience] });
  rs = { id: c.client.id, secret: c.secret! };
  jwt = (await signAccessToken(t.deps.keys, { issuer: t.deps.config.issuer, ttl: 600 }, { sub: "acct_hostile", clientId: rs.id, scopes: [], roles: [], aud: t.deps.config.audience })).token;
});
afterAll(() => t?.close());

const exchange = (subject: string) => postForm(t.app, "/token", { grant_type: EXCHANGE, subject_token: subject, subject_token_type: KEY_TYPE });

describe("API keys and JWTs are never taken for each other", () => {
  it("a JWT is not an API key at the exchange", async () => {
    const res = await exchange(jwt);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("an API key is not a bearer access token at /userinfo", async () => {
    const res = await t.app.request("/userinfo", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("an API key is not a refresh token at /token", async () => {
    const res = await postForm(t.app, "/token", { grant_type: "refresh_token", refresh_token: key }, rs);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("hostile subject tokens", () => {
  it("answer 400 invalid_grant at the exchange and inactive at /introspect, never 5xx", async () => {
    const near = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 60 }).map((s) => `abk_${s}`),
      fc.integer({ min: 0, max: 52 }).map((i) => key.slice(0, i) + "\u0000" + key.slice(i + 1)),
      fc.constant(generateApiKey()),
      fc.constant(`${key} `),
      fc.constant(key.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(near, async (s) => {
        fc.pre(s !== key && s.length > 0);
        const res = await exchange(s);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(/^(invalid_grant|invalid_request)$/);
        const intro = await postForm(t.app, "/introspect", { token: s }, rs);
        expect(intro.status).toBe(200);
        expect(await intro.json()).toEqual({ active: false });
      }),
      { numRuns: 150 },
    );
  });
});
