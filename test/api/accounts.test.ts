/**
 * Accounts through the management API (operators): search by platform username or id, one account with
 * its identities and the rule behind each scope and role, its sessions and their revocation, block and
 * unblock — each reaching the protocol at once. On both stores.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema";
import { claimsOf, postForm } from "../support/oauth";
import { createHarness, startStores, type Harness, type Stores } from "./harness";

let stores: Stores;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

interface Granted {
  rule: string;
  when: Record<string, string>;
  grant: string;
  identity_id: string;
}

describe.each(["embedded", "upstash"] as const)("accounts (%s store)", (store) => {
  let h: Harness;
  let op: string;
  beforeAll(async () => {
    h = await createHarness(store, stores.bridge);
    op = await h.operatorToken();
  });
  afterAll(() => h?.close());

  const signedInAs = async (name: string, orgs: string[]) => {
    const b = await h.signIn(name, orgs);
    const tokens = await h.personToken(b, { scope: "authbridge:clients authbridge:admin profile" });
    const claims = claimsOf(tokens.access_token) as { sub: string; sid: string };
    return { b, tokens, sub: claims.sub, sid: claims.sid };
  };

  it("search by platform username (any case, any part) or by id; pages newest first", async () => {
    const a = await signedInAs(`Octo-${store}-one`, []);
    const b = await signedInAs(`octo-${store}-two`, []);
    const found = (await (await h.call(op, "GET", `/api/v1/accounts?q=OCTO-${store}`)).json()) as { items: { id: string; identities: { provider: string; username: string }[] }[] };
    expect(found.items.map((x) => x.id)).toEqual([b.sub, a.sub]);
    expect(found.items[1]!.identities).toEqual([{ provider: "dev", username: `Octo-${store}-one` }]);
    const first = (await (await h.call(op, "GET", `/api/v1/accounts?q=octo-${store}&limit=1`)).json()) as { items: { id: string }[]; next: string };
    expect(first.items.map((x) => x.id)).toEqual([b.sub]);
    const second = (await (await h.call(op, "GET", `/api/v1/accounts?q=octo-${store}&limit=1&cursor=${first.next}`)).json()) as { items: { id: string }[]; next?: string };
    expect(second.items.map((x) => x.id)).toEqual([a.sub]);
    expect(second.next).toBeUndefined();
    const byId = (await (await h.call(op, "GET", `/api/v1/accounts?q=${a.sub}`)).json()) as { items: { id: string }[] };
    expect(byId.items.map((x) => x.id)).toEqual([a.sub]);
    const literal = (await (await h.call(op, "GET", "/api/v1/accounts?q=%25")).json()) as { items: unknown[] };
    expect(literal.items).toEqual([]); // `%` is a character to find, not a wildcard
  });

  it("one account: identities, and for each scope and role the rule that granted it and the identity that matched", async () => {
    const { sub } = await signedInAs(`explained-${store}`, ["devs", "ops"]);
    const res = await h.call(op, "GET", `/api/v1/accounts/${sub}`);
    expect(res.status).toBe(200);
    const a = (await res.json()) as {
      identities: { id: string; provider: string; facts: unknown }[];
      entitlements: { scopes: { scope: string; held: boolean; granted_by: Granted[] }[]; roles: { role: string; held: boolean; granted_by: Granted[] }[] };
    };
    expect(a.identities).toHaveLength(1);
    const identity = a.identities[0]!;
    expect(identity).toMatchObject({ provider: "dev", facts: { provider: "github", orgs: ["devs", "ops"] } });
    expect(JSON.stringify(a)).not.toMatch(/tokens_enc|tokensEnc/);
    const scope = (name: string) => a.entitlements.scopes.find((s) => s.scope === name);
    expect(scope("authbridge:admin")).toEqual({
      scope: "authbridge:admin",
      held: true,
      granted_by: [{ rule: "$.rules[1]", when: { provider: "github", org: "ops" }, grant: "role:operator", identity_id: identity.id }],
    });
    expect(scope("repos:read")?.granted_by).toEqual([{ rule: "$.rules[0]", when: { provider: "github", org: "devs" }, grant: "repos:read", identity_id: identity.id }]);
    expect(scope("profile")?.granted_by.map((g) => g.rule)).toEqual(["$.rules[2]"]);
    expect(a.entitlements.scopes.map((s) => s.scope)).toEqual(["authbridge:admin", "authbridge:clients", "profile", "repos:read"]);
    expect(a.entitlements.roles).toEqual([{ role: "operator", held: true, granted_by: [expect.objectContaining({ rule: "$.rules[1]" })] }]);
    expect((await h.call(op, "GET", "/api/v1/accounts/acct_nobody")).status).toBe(404);
  });

  it("sessions: listed, and revoking one ends the tokens issued through it (introspection), audited with the actor", async () => {
    const one = await signedInAs(`sessions-${store}`, []);
    const two = await signedInAs(`sessions-${store}`, []); // the same person, signed in elsewhere
    expect(two.sub).toBe(one.sub);
    const listed = (await (await h.call(op, "GET", `/api/v1/sessions?account=${one.sub}`)).json()) as { items: { id: string; account_id: string }[] };
    expect(listed.items.map((s) => s.id).sort()).toEqual([one.sid, two.sid].sort());
    expect((await h.introspect(one.tokens.access_token)).active).toBe(true);
    const revoked = await h.call(op, "POST", `/api/v1/sessions/${one.sid}/revoke`);
    expect(await revoked.json()).toMatchObject({ id: one.sid, account_id: one.sub });
    expect(await h.introspect(one.tokens.access_token)).toEqual({ active: false });
    expect((await h.introspect(two.tokens.access_token)).active).toBe(true);
    const after = (await (await h.call(op, "GET", `/api/v1/sessions?account=${one.sub}`)).json()) as { items: { id: string }[] };
    expect(after.items.map((s) => s.id)).toEqual([two.sid]);
    const rows = await h.t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.type, "session.revoked"), eq(auditEvents.subject, one.sub)));
    expect(rows.map((r) => r.actor)).toEqual([h.operator.id]);
    expect((await h.call(op, "POST", "/api/v1/sessions/ses_nope/revoke")).status).toBe(404);
    expect((await h.call(op, "GET", "/api/v1/sessions")).status).toBe(400);
  });

  it("block: every token of the account is inactive at /introspect at once, refresh is refused, the API refuses it; unblock lets it sign in again", async () => {
    const dev = await signedInAs(`blocked-${store}`, ["devs"]);
    expect((await h.call(dev.tokens.access_token, "GET", "/api/v1/clients")).status).toBe(200);
    expect((await h.introspect(dev.tokens.access_token)).active).toBe(true);
    const res = await h.call(op, "POST", `/api/v1/accounts/${dev.sub}/block`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: dev.sub, blocked_at: expect.any(String) });
    expect(await h.introspect(dev.tokens.access_token)).toEqual({ active: false });
    expect((await h.call(dev.tokens.access_token, "GET", "/api/v1/clients")).status).toBe(401);
    const cli = String(claimsOf(dev.tokens.access_token).client_id);
    const refused = await postForm(h.t.app, "/token", { grant_type: "refresh_token", refresh_token: dev.tokens.refresh_token!, client_id: cli });
    expect(refused.status).toBe(400);
    const shown = (await (await h.call(op, "GET", `/api/v1/accounts/${dev.sub}`)).json()) as { blocked_at: string | null };
    expect(shown.blocked_at).not.toBeNull();
    const rows = await h.t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.type, "account.blocked"), eq(auditEvents.subject, dev.sub)));
    expect(rows.map((r) => r.actor)).toEqual([h.operator.id]);

    h.t.advance(1000);
    expect(await (await h.call(op, "POST", `/api/v1/accounts/${dev.sub}/unblock`)).json()).toEqual({ id: dev.sub, blocked_at: null });
    const again = await signedInAs(`blocked-${store}`, ["devs"]);
    expect(again.sub).toBe(dev.sub);
    expect((await h.introspect(again.tokens.access_token)).active).toBe(true);
    expect(await h.introspect(dev.tokens.access_token)).toEqual({ active: false }); // what the block revoked stays revoked
    expect((await h.call(op, "POST", "/api/v1/accounts/acct_nope/block")).status).toBe(404);
  });
});
