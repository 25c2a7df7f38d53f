/**
 * Signing keys and API keys through the management API: keys listed with what is current and published,
 * rotation audited with its actor and harmless to live tokens; API keys made (shown once), listed (never the
 * key or its hash) and revoked — by operators for anyone, by developers for themselves and their apps.
 * On both stores.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema";
import { claimsOf } from "../support/oauth";
import { createHarness, startStores, type Harness, type Stores } from "./harness";

let stores: Stores;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

interface KeyJson {
  kid: string;
  current: boolean;
  published: boolean;
  retired_at: string | null;
}

describe.each(["embedded", "upstash"] as const)("keys (%s store)", (store) => {
  let h: Harness;
  let op: string;
  beforeAll(async () => {
    h = await createHarness(store, stores.bridge);
    op = await h.operatorToken();
  });
  afterAll(() => h?.close());

  it("signing keys: the current one is published; a rotation makes a new current key, keeps the old one published, and live tokens keep working", async () => {
    const before = (await (await h.call(op, "GET", "/api/v1/signing-keys")).json()) as { items: KeyJson[] };
    expect(before.items).toEqual([expect.objectContaining({ current: true, published: true, retired_at: null, alg: "EdDSA" })]);
    const rotated = await h.call(op, "POST", "/api/v1/signing-keys/rotate");
    expect(rotated.status).toBe(201);
    const { current, retired } = (await rotated.json()) as { current: string; retired: string[] };
    expect(retired).toEqual([before.items[0]!.kid]);
    const after = (await (await h.call(op, "GET", "/api/v1/signing-keys")).json()) as { items: KeyJson[] };
    expect(after.items.map((k) => [k.kid, k.current, k.published])).toEqual([
      [current, true, true],
      [before.items[0]!.kid, false, true],
    ]);
    expect(JSON.stringify(after)).not.toMatch(/private|"d"/);
    const [row] = await h.t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.type, "signing_key.rotated"), eq(auditEvents.subject, current)));
    expect(row?.actor).toBe(h.operator.id);
    expect((await h.call(op, "GET", "/api/v1/signing-keys")).status).toBe(200); // the token signed by the old key still works
    expect((await h.call(await h.operatorToken(), "GET", "/api/v1/signing-keys")).status).toBe(200);
  });

  it("API keys: an operator makes one for any account (shown once), lists it without the key, revokes it and it is inactive at /introspect", async () => {
    const person = await h.personToken(await h.signIn(`keyed-${store}`, ["devs"]));
    const sub = claimsOf(person.access_token).sub as string;
    const res = await h.call(op, "POST", "/api/v1/api-keys", { account: sub, name: "ci", scopes: ["repos:read"], expires_in: 3600 });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { id: string; key: string; account_id: string; created_by: string; expires_at: string };
    expect(made).toMatchObject({ account_id: sub, created_by: h.operator.id, name: "ci", scopes: ["repos:read"] });
    expect(made.key).toMatch(/^abk_/);
    expect((await h.introspect(made.key)).active).toBe(true);
    const listed = await (await h.call(op, "GET", `/api/v1/api-keys?account=${sub}`)).text();
    expect(listed).toContain(made.id);
    expect(listed).not.toContain(made.key);
    expect(listed).not.toMatch(/"hash"/);
    const revoked = (await (await h.call(op, "POST", `/api/v1/api-keys/${made.id}/revoke`)).json()) as { revoked_at: string | null };
    expect(revoked.revoked_at).not.toBeNull();
    expect(await h.introspect(made.key)).toEqual({ active: false });
    expect((await h.call(op, "POST", "/api/v1/api-keys", { name: "orphan" })).status).toBe(400);
    expect((await h.call(op, "POST", "/api/v1/api-keys", { name: "x", account: "acct_nobody" })).status).toBe(404);
  });

  it("API keys: a developer makes personal keys and keys for their own apps (within the app's scopes), and sees and revokes only those", async () => {
    const alice = await h.personToken(await h.signIn(`kalice-${store}`, ["devs"]));
    const bob = await h.personToken(await h.signIn(`kbob-${store}`, ["devs"]));
    const aliceId = claimsOf(alice.access_token).sub as string;
    const app = (await (await h.call(alice.access_token, "POST", "/api/v1/clients", { name: "a", grants: ["client_credentials"], scopes: ["repos:read"] })).json()) as { client_id: string };
    const mine = (await (await h.call(alice.access_token, "POST", "/api/v1/api-keys", { name: "laptop" })).json()) as { id: string; account_id: string };
    expect(mine.account_id).toBe(aliceId);
    const service = await h.call(alice.access_token, "POST", "/api/v1/api-keys", { name: "svc", client: app.client_id, scopes: ["repos:read"] });
    expect(service.status).toBe(201);
    const svc = (await service.json()) as { id: string };
    const wider = await h.call(alice.access_token, "POST", "/api/v1/api-keys", { name: "svc2", client: app.client_id, scopes: ["deploy"] });
    expect(((await wider.json()) as { errors: string[] }).errors).toEqual(["scopes: the app is not allowed deploy"]);
    expect((await h.call(bob.access_token, "POST", "/api/v1/api-keys", { name: "x", account: aliceId })).status).toBe(404);

    const aliceList = (await (await h.call(alice.access_token, "GET", "/api/v1/api-keys")).json()) as { items: { id: string }[] };
    expect(aliceList.items.map((k) => k.id).sort()).toEqual([mine.id, svc.id].sort());
    const bobList = (await (await h.call(bob.access_token, "GET", "/api/v1/api-keys")).json()) as { items: unknown[] };
    expect(bobList.items).toEqual([]);
    expect((await h.call(bob.access_token, "GET", `/api/v1/api-keys?account=${aliceId}`)).status).toBe(404);
    expect((await h.call(bob.access_token, "POST", `/api/v1/api-keys/${svc.id}/revoke`)).status).toBe(404);
    expect((await h.call(bob.access_token, "POST", `/api/v1/api-keys/${mine.id}/revoke`)).status).toBe(404);
    expect((await h.call(alice.access_token, "POST", `/api/v1/api-keys/${svc.id}/revoke`)).status).toBe(200);
    const [row] = await h.t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.type, "api_key.revoked"), eq(auditEvents.subject, app.client_id)));
    expect(row?.actor).toBe(aliceId);
  });

  it("deleting an app deletes its keys; disabling it revokes them", async () => {
    const alice = await h.personToken(await h.signIn(`kdel-${store}`, ["devs"]));
    const mk = async () => {
      const app = (await (await h.call(alice.access_token, "POST", "/api/v1/clients", { name: "k", grants: ["client_credentials"], scopes: ["repos:read"] })).json()) as { client_id: string };
      const key = (await (await h.call(alice.access_token, "POST", "/api/v1/api-keys", { name: "svc", client: app.client_id })).json()) as { key: string; id: string };
      expect((await h.introspect(key.key)).active).toBe(true);
      return { app: app.client_id, key };
    };
    const disabled = await mk();
    await h.call(alice.access_token, "PATCH", `/api/v1/clients/${disabled.app}`, { disabled: true });
    expect(await h.introspect(disabled.key.key)).toEqual({ active: false });
    const listed = (await (await h.call(alice.access_token, "GET", `/api/v1/api-keys?client=${disabled.app}`)).json()) as { items: { revoked_at: string | null }[] };
    expect(listed.items[0]?.revoked_at).not.toBeNull();
    const deleted = await mk();
    expect((await h.call(alice.access_token, "DELETE", `/api/v1/clients/${deleted.app}`)).status).toBe(204);
    expect(await h.introspect(deleted.key.key)).toEqual({ active: false });
    expect((await h.call(alice.access_token, "POST", `/api/v1/api-keys/${deleted.key.id}/revoke`)).status).toBe(404);
  });
});
