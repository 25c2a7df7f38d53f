/**
 * Clients through the management API: an operator registers, finds, edits, disables, re-enables, resets
 * and deletes any client, and each change reaches the protocol at once (/token, /introspect); a developer
 * does the same to their own apps only, within what they are entitled to, and never learns that others'
 * apps exist. On both stores.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { auditEvents, clients } from "../../src/db/schema";
import { claimsOf, postForm } from "../support/oauth";
import { AUD, createHarness, ISSUER, startStores, type Creds, type Harness, type Stores } from "./harness";

let stores: Stores;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

type ClientJson = Record<string, unknown> & { client_id: string; client_secret?: string; owner_account_id: string | null; disabled_at: string | null; scopes: string[] };

describe.each(["embedded", "upstash"] as const)("clients (%s store)", (store) => {
  let h: Harness;
  let op: string;
  /** Introspects tokens of the default audience (the issuer). */
  let rs: Creds;

  beforeAll(async () => {
    h = await createHarness(store, stores.bridge);
    op = await h.operatorToken();
    const made = await createClient(h.t.deps.db, { name: "api", introspectAudiences: [ISSUER] });
    rs = { id: made.client.id, secret: made.secret! };
  });
  afterAll(() => h?.close());

  const create = async (token: string, body: Record<string, unknown>) => {
    const res = await h.call(token, "POST", "/api/v1/clients", body);
    const json = (await res.json()) as ClientJson;
    expect(res.status, JSON.stringify(json)).toBe(201);
    return json;
  };
  const ccToken = async (creds: Creds) => postForm(h.t.app, "/token", { grant_type: "client_credentials" }, creds);
  const accessToken = async (creds: Creds) => {
    const res = await ccToken(creds);
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const introspect = async (token: string) => (await (await postForm(h.t.app, "/introspect", { token }, rs)).json()) as { active: boolean };
  const auditOf = async (subject: string, type: string) => h.t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.subject, subject), eq(auditEvents.type, type)));

  describe("operators", () => {
    it("register a confidential client: the secret is in the creation answer only, and it works at /token", async () => {
      const c = await create(op, { name: "billing", scopes: ["invoices:read"], grants: ["client_credentials"] });
      expect(c).toMatchObject({ name: "billing", public: false, grants: ["client_credentials"], scopes: ["invoices:read"], owner_account_id: null, disabled_at: null });
      expect(c.client_secret).toMatch(/^secret_/);
      expect((await ccToken({ id: c.client_id, secret: c.client_secret! })).status).toBe(200);
      const shown = await (await h.call(op, "GET", `/api/v1/clients/${c.client_id}`)).text();
      expect(shown).not.toContain(c.client_secret!);
      expect(shown).not.toMatch(/secret_hash|secretHash/);
      const [row] = await auditOf(c.client_id, "client.created");
      expect(row?.actor).toBe(h.operator.id); // the operator's script is the actor
    });

    it("input follows the registry's rules, names each bad field, and is JSON only", async () => {
      const bad = await h.call(op, "POST", "/api/v1/clients", { name: "x", redirect_uris: ["http://evil.example.com/cb"], grants: ["authorization_code"] });
      expect(bad.status).toBe(400);
      expect(bad.headers.get("content-type")).toBe("application/problem+json");
      const body = (await bad.json()) as { errors: string[] };
      expect(body.errors).toEqual(["redirect_uris.0: must be https, http on loopback, or a private-use scheme"]);
      const noUri = (await (await h.call(op, "POST", "/api/v1/clients", { name: "x", grants: ["authorization_code"] })).json()) as { errors: string[] };
      expect(noUri.errors).toEqual(["redirect_uris: authorization_code needs at least one redirect URI"]);
      const unknown = await h.call(op, "POST", "/api/v1/clients", { name: "x", secret_hash: "h" });
      expect(unknown.status).toBe(400);
      const form = await h.request("/api/v1/clients", { method: "POST", headers: { authorization: `Bearer ${op}`, "content-type": "application/x-www-form-urlencoded" }, body: "name=x" });
      expect(form.status).toBe(415);
      const broken = await h.request("/api/v1/clients", { method: "POST", headers: { authorization: `Bearer ${op}`, "content-type": "application/json" }, body: "{" });
      expect(broken.status).toBe(400);
    });

    it("find clients by part of the name or by id, a page at a time, newest first", async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await create(op, { name: `Paging-${store}-${i}` })).client_id);
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const res = await h.call(op, "GET", `/api/v1/clients?q=paging-${store}&limit=2${next ? `&cursor=${next}` : ""}`);
        const body = (await res.json()) as { items: ClientJson[]; next?: string };
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((c) => c.client_id));
        next = body.next;
        pages++;
      } while (next);
      expect(pages).toBe(3);
      expect(seen).toEqual([...made].reverse());
      const byId = (await (await h.call(op, "GET", `/api/v1/clients?q=${made[2]}`)).json()) as { items: ClientJson[]; next?: string };
      expect(byId.items.map((c) => c.client_id)).toEqual([made[2]]);
      expect(byId.next).toBeUndefined();
      expect((await h.call(op, "GET", "/api/v1/clients?limit=201")).status).toBe(400);
      expect((await h.call(op, "GET", "/api/v1/clients?cursor=bm9wZQ")).status).toBe(400);
    });

    it("edit scopes and redirect URIs under the same rules; `public` never changes", async () => {
      const c = await create(op, { name: "web", public: true, redirect_uris: ["https://app.example.com/cb"] });
      const res = await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { scopes: ["profile"], redirect_uris: ["https://app.example.com/cb2"], name: "Web" });
      expect(await res.json()).toMatchObject({ name: "Web", scopes: ["profile"], redirect_uris: ["https://app.example.com/cb2"], public: true });
      const bad = await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { grants: ["client_credentials"] });
      expect(((await bad.json()) as { errors: string[] }).errors).toEqual(["grants: public clients cannot use client_credentials or token exchange"]);
      expect((await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { public: false })).status).toBe(400);
      const [updated] = await auditOf(c.client_id, "client.updated");
      expect(JSON.parse(updated!.detail)).toEqual({ fields: ["name", "scopes", "redirectUris"] });
    });

    it("disable: the client's live tokens are inactive at /introspect at once and it gets nothing; enable: new tokens work, old ones stay dead", async () => {
      const c = await create(op, { name: "svc", scopes: ["jobs"] });
      const creds = { id: c.client_id, secret: c.client_secret! };
      const before = await accessToken(creds);
      expect((await introspect(before)).active).toBe(true);
      const off = (await (await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: true })).json()) as ClientJson;
      expect(off.disabled_at).not.toBeNull();
      expect(await introspect(before)).toEqual({ active: false });
      expect((await ccToken(creds)).status).toBe(401);
      h.t.advance(1000); // past the second of the disable mark
      const on = (await (await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: false })).json()) as ClientJson;
      expect(on.disabled_at).toBeNull();
      const after = await accessToken(creds);
      expect((await introspect(after)).active).toBe(true);
      expect(await introspect(before)).toEqual({ active: false });
      expect((await auditOf(c.client_id, "client.disabled"))[0]?.actor).toBe(h.operator.id);
      expect((await auditOf(c.client_id, "client.enabled"))[0]?.actor).toBe(h.operator.id);
    });

    it("reset the secret: shown once, the old one is refused at /token, the new one works", async () => {
      const c = await create(op, { name: "rotating", scopes: ["jobs"] });
      const res = await h.call(op, "POST", `/api/v1/clients/${c.client_id}/secret`);
      expect(res.status).toBe(201);
      const { client_secret } = (await res.json()) as { client_secret: string };
      expect(client_secret).not.toBe(c.client_secret);
      expect((await ccToken({ id: c.client_id, secret: c.client_secret! })).status).toBe(401);
      expect((await ccToken({ id: c.client_id, secret: client_secret })).status).toBe(200);
      expect(await (await h.call(op, "GET", `/api/v1/clients/${c.client_id}`)).text()).not.toContain(client_secret);
      const pub = await create(op, { name: "spa", public: true, redirect_uris: ["https://spa.example.com/cb"] });
      expect((await h.call(op, "POST", `/api/v1/clients/${pub.client_id}/secret`)).status).toBe(409);
    });

    it("delete: the client's tokens are inactive, it is gone from /token and from the API", async () => {
      const c = await create(op, { name: "doomed", scopes: ["jobs"] });
      const creds = { id: c.client_id, secret: c.client_secret! };
      const token = await accessToken(creds);
      expect((await h.call(op, "DELETE", `/api/v1/clients/${c.client_id}`)).status).toBe(204);
      expect(await introspect(token)).toEqual({ active: false });
      expect((await ccToken(creds)).status).toBe(401);
      expect((await h.call(op, "GET", `/api/v1/clients/${c.client_id}`)).status).toBe(404);
      expect((await h.call(op, "DELETE", `/api/v1/clients/${c.client_id}`)).status).toBe(404);
      expect((await auditOf(c.client_id, "client.deleted"))[0]?.actor).toBe(h.operator.id);
    });

    it("hand an app to an account, and see who owns what", async () => {
      const dev = claimsOf((await h.personToken(await h.signIn(`owner-${store}`, ["devs"]))).access_token).sub as string;
      const c = await create(op, { name: "handed", owner_account_id: dev });
      expect(c.owner_account_id).toBe(dev);
      const mine = (await (await h.call(op, "GET", `/api/v1/clients?owner=${dev}`)).json()) as { items: ClientJson[] };
      expect(mine.items.map((x) => x.client_id)).toEqual([c.client_id]);
      expect((await h.call(op, "POST", "/api/v1/clients", { name: "x", owner_account_id: "acct_nobody" })).status).toBe(400);
      const back = (await (await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { owner_account_id: null })).json()) as ClientJson;
      expect(back.owner_account_id).toBeNull();
    });
  });

  describe("developers", () => {
    let alice: { token: string; sub: string };
    let bob: { token: string; sub: string };
    let bobsApp: ClientJson;

    beforeAll(async () => {
      const person = async (name: string) => {
        const { access_token } = await h.personToken(await h.signIn(`${name}-${store}`, ["devs"]));
        expect(claimsOf(access_token).scope).toBe("authbridge:clients");
        return { token: access_token, sub: claimsOf(access_token).sub as string };
      };
      alice = await person("alice");
      bob = await person("bob");
      bobsApp = await create(bob.token, { name: "bob's app", redirect_uris: ["https://bob.example.com/cb"] });
    });

    it("register an app that is theirs, within what they are entitled to", async () => {
      const c = await create(alice.token, { name: "alice's app", redirect_uris: ["https://alice.example.com/cb"], scopes: ["repos:read"], audiences: ["https://api.example.com"] });
      expect(c.owner_account_id).toBe(alice.sub);
      expect(c.client_secret).toBeDefined();
      const [row] = await auditOf(c.client_id, "client.created");
      expect(row?.actor).toBe(alice.sub);
      const listed = (await (await h.call(alice.token, "GET", "/api/v1/clients")).json()) as { items: ClientJson[] };
      expect(listed.items.every((x) => x.owner_account_id === alice.sub)).toBe(true);
      expect(listed.items.map((x) => x.client_id)).toContain(c.client_id);
    });

    it("cannot allow their app what they are not entitled to, a management scope or audience, introspection, or another owner", async () => {
      const res = await h.call(alice.token, "POST", "/api/v1/clients", {
        name: "greedy",
        grants: ["client_credentials"],
        scopes: ["deploy", "authbridge:admin"],
        audiences: [AUD],
        introspect_audiences: [ISSUER],
        owner_account_id: bob.sub,
      });
      expect(res.status).toBe(400);
      const { errors } = (await res.json()) as { errors: string[] };
      expect(errors).toEqual([
        "owner_account_id: only an operator can hand an app to another account",
        "scopes: only an operator can allow authbridge:admin",
        "scopes: you are not entitled to deploy, so your app cannot be allowed them",
        "audiences: only an operator can let a client call the management API",
        "introspect_audiences: only an operator can let a client introspect tokens",
      ]);
      const mine = await create(alice.token, { name: "mine", grants: ["client_credentials"] });
      const widen = await h.call(alice.token, "PATCH", `/api/v1/clients/${mine.client_id}`, { scopes: ["authbridge:admin"] });
      expect(widen.status).toBe(400);
      expect((await h.t.deps.db.select().from(clients).where(eq(clients.id, mine.client_id)))[0]?.scopes).toBe("[]");
    });

    it("another developer's app is 404 on every route, exactly like an app that does not exist", async () => {
      const id = bobsApp.client_id;
      const attempts: [string, string, unknown?][] = [
        ["GET", `/api/v1/clients/${id}`],
        ["PATCH", `/api/v1/clients/${id}`, { name: "mine now" }],
        ["PATCH", `/api/v1/clients/${id}`, { disabled: true }],
        ["POST", `/api/v1/clients/${id}/secret`],
        ["DELETE", `/api/v1/clients/${id}`],
        ["GET", `/api/v1/api-keys?client=${id}`],
        ["POST", "/api/v1/api-keys", { name: "k", client: id }],
      ];
      for (const [method, path, body] of attempts) {
        const theirs = await h.call(alice.token, method, path, body);
        const missing = await h.call(alice.token, method, path.replace(id, "client_doesnotexist"), body);
        expect(theirs.status, `${method} ${path}`).toBe(404);
        expect(await theirs.json()).toEqual({ ...((await missing.json()) as object), detail: expect.any(String) });
      }
      const listed = (await (await h.call(alice.token, "GET", `/api/v1/clients?q=${id}`)).json()) as { items: unknown[] };
      expect(listed.items).toEqual([]);
      const still = (await (await h.call(op, "GET", `/api/v1/clients/${id}`)).json()) as ClientJson;
      expect(still).toMatchObject({ name: "bob's app", disabled_at: null });
      expect((await h.call(bob.token, "GET", `/api/v1/clients/${id}`)).status).toBe(200);
    });

    it("disable and re-enable their own app, but not one an operator disabled", async () => {
      const c = await create(alice.token, { name: "toggled", redirect_uris: ["https://alice.example.com/cb"] });
      expect((await h.call(alice.token, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: true })).status).toBe(200);
      expect((await h.call(alice.token, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: false })).status).toBe(200);
      expect((await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: true })).status).toBe(200);
      const refused = await h.call(alice.token, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: false });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ detail: "an operator disabled this app; only an operator can enable it again" });
      // Refused as a whole: the other changes of the same request are not applied either.
      expect((await h.call(alice.token, "PATCH", `/api/v1/clients/${c.client_id}`, { name: "sneaky", disabled: false })).status).toBe(403);
      expect(((await (await h.call(op, "GET", `/api/v1/clients/${c.client_id}`)).json()) as ClientJson).name).toBe("toggled");
      expect((await h.call(op, "PATCH", `/api/v1/clients/${c.client_id}`, { disabled: false })).status).toBe(200);
    });

    it("reset their app's secret and delete their app", async () => {
      const c = await create(alice.token, { name: "short-lived", grants: ["client_credentials"], scopes: ["repos:read"] });
      const { client_secret } = (await (await h.call(alice.token, "POST", `/api/v1/clients/${c.client_id}/secret`)).json()) as { client_secret: string };
      expect((await ccToken({ id: c.client_id, secret: c.client_secret! })).status).toBe(401);
      expect((await ccToken({ id: c.client_id, secret: client_secret })).status).toBe(200);
      expect((await h.call(alice.token, "DELETE", `/api/v1/clients/${c.client_id}`)).status).toBe(204);
      expect((await auditOf(c.client_id, "client.deleted"))[0]?.actor).toBe(alice.sub);
    });
  });
});
