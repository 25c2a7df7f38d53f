/**
 * Who may use the operator's side of the console, walked from its one route table (so a new route cannot
 * be left out): a developer and an account with no scopes get 403 on every page and every POST, even with
 * their own valid form token; an operator's POST without the form token, with another session's token or
 * from another origin is refused with 403. None of these refusals changes anything: the client, the
 * account, its session and API key, the signing keys and the audit log stay exactly as they were. On both
 * state stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagedApiKey } from "../../src/admin/api-keys";
import { listAuditEvents } from "../../src/admin/audit-log";
import { getManagedClient } from "../../src/admin/client-view";
import { listAccountSessions } from "../../src/admin/sessions";
import { listSigningKeys } from "../../src/admin/signing-keys";
import { getAccount } from "../../src/accounts/accounts";
import { getApiKey } from "../../src/apikeys/registry";
import { createClient } from "../../src/clients/registry";
import { OPERATOR_ROUTES } from "../../src/console/operator/table";
import type { TestApp } from "../support/app";
import { FakeBrowser } from "../support/fakes";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { accountIdOf, fill, open, post } from "./operator-support";
import { consoleApp, csrfOf, ISSUER, signedIn } from "./support";

let redis: TestRedis;
let bridge: UpstashBridge;
beforeAll(async () => {
  redis = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redis.port, token: "operator-access-token" });
});
afterAll(async () => {
  await bridge?.stop();
  await redis?.stop();
});

const POSTS = OPERATOR_ROUTES.filter((r) => r.method === "POST");
const PAGES = OPERATOR_ROUTES.filter((r) => r.method === "GET");

describe.each(["embedded", "upstash"] as const)("operator routes refuse everyone else (%s store)", (store) => {
  let t: TestApp;
  let ops: FakeBrowser;
  let values: Record<string, string>;

  /** Everything a refused POST could have changed. */
  async function snapshot() {
    const op = { kind: "operator", actor: "test" } as const;
    const client = await getManagedClient(t.deps, op, values.clientId!);
    return {
      client: { disabledAt: client.disabledAt, scopes: client.scopes, redirectUris: client.redirectUris },
      account: (await getAccount(t.deps.db, values.accountId!))?.blockedAt,
      sessions: (await listAccountSessions(t.deps, values.accountId!)).map((s) => s.id),
      key: (await getApiKey(t.deps.db, values.keyId!))?.revokedAt,
      signingKeys: (await listSigningKeys(t.deps)).map((k) => [k.kid, k.current]),
      audit: (await listAuditEvents(t.deps, { limit: 1 })).items[0]?.id,
    };
  }

  beforeAll(async () => {
    t = await consoleApp({ store, bridge });
    ops = await signedIn(t, "olga", "ops");
    await signedIn(t, "tess", "devs"); // the account the routes act on: one live session, one key
    const accountId = await accountIdOf(t, "tess");
    const [session] = await listAccountSessions(t.deps, accountId);
    const { apiKey } = await createManagedApiKey(t.deps, { kind: "developer", accountId }, { name: "ci" });
    const client = await createClient(t.deps.db, { name: "Target", isPublic: true, redirectUris: ["https://app.example.com/cb"], scopes: ["profile"] });
    values = { clientId: client.client.id, accountId, sessionId: session!.id, keyId: apiKey.id };
  });
  afterAll(() => t?.close());

  it("the table has every kind of route: pages, and POSTs that each have a confirmation page or change nothing destructive", () => {
    expect(PAGES.length).toBeGreaterThanOrEqual(10);
    expect(POSTS.length).toBeGreaterThanOrEqual(8);
    // Every path the table names can be filled: a parameter this test does not know about would throw here.
    for (const r of OPERATOR_ROUTES) expect(fill(r, { clientId: "c", accountId: "a", sessionId: "s", keyId: "k" })).toMatch(/^\/console\/admin\//);
    const confirmed = POSTS.filter((r) => /\/(disable|delete|block|revoke|rotate)$/.test(r.path));
    for (const r of confirmed) expect(PAGES.map((p) => p.path), `${r.path} has a confirmation page`).toContain(r.path);
  });

  it.each([
    ["a developer", "dana", "devs"],
    ["an account with no scopes", "nobody", "elsewhere"],
  ])("%s gets 403 on every operator page and POST, with its own form token too, and nothing changes", async (_, subject, orgs) => {
    const b = await signedIn(t, subject, orgs);
    const csrf = csrfOf((await open(b, "/account")).html);
    const before = await snapshot();
    for (const r of PAGES) {
      const res = await open(b, fill(r, values));
      expect(res.status, `GET ${r.path}`).toBe(403);
      expect(res.html).toContain('href="/account"'); // a way out
    }
    for (const r of POSTS) {
      const res = await post(b, fill(r, values), { scopes: "authbridge:admin", redirect_uris: "https://evil.example/cb" }, { csrf });
      expect(res.status, `POST ${r.path}`).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("an operator's POST without the form token, with another session's token or from another origin gets 403, and nothing changes", async () => {
    const other = await signedIn(t, "otto", "ops");
    const foreignToken = csrfOf((await open(other, "/account")).html);
    const ownToken = csrfOf((await open(ops, "/account")).html);
    const before = await snapshot();
    const fields = { scopes: "authbridge:admin", redirect_uris: "https://evil.example/cb" };
    for (const r of POSTS) {
      const path = fill(r, values);
      expect((await post(ops, path, fields, { csrf: false })).status, `POST ${r.path} without a token`).toBe(403);
      expect((await post(ops, path, fields, { csrf: "" })).status, `POST ${r.path} with an empty token`).toBe(403);
      expect((await post(ops, path, fields, { csrf: foreignToken })).status, `POST ${r.path} with another session's token`).toBe(403);
      expect((await post(ops, path, fields, { csrf: ownToken, origin: "https://evil.example" })).status, `POST ${r.path} from another origin`).toBe(403);
      expect((await post(ops, path, fields, { csrf: ownToken, origin: null })).status, `POST ${r.path} with no Origin`).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("a signed-out browser is sent to sign in from every operator page", async () => {
    const stranger = new FakeBrowser(t.app, ISSUER);
    for (const r of PAGES) {
      const res = await open(stranger, fill(r, values));
      expect(res.status, `GET ${r.path}`).toBe(302);
      expect(res.location).toBe("/signin?to=console");
    }
  });
});
