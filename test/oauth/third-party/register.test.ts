/**
 * Dynamic registration (RFC 7591) at POST /register: off unless configured; public clients only; redirect
 * URIs https or loopback http; RFC 7591 errors; limited per address; a registered client is third-party
 * and expires after 30 days unused, its use written at most once a day; metadata advertises the endpoint
 * only when it is on.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DYNAMIC_CLIENT_IDLE_MS } from "../../../src/clients/dynamic";
import { clients } from "../../../src/db/schema";
import { REGISTRATIONS_PER_HOUR } from "../../../src/oauth/register";
import { CB, createHarness, LOOPBACK_CB, startStores, type Harness } from "./harness";

let stores: Awaited<ReturnType<typeof startStores>>;
beforeAll(async () => {
  stores = await startStores();
});
afterAll(async () => {
  await stores?.stop();
});

const DAY = 86_400_000;

function register(h: Harness, body: unknown, peer = "203.0.113.7", contentType = "application/json"): Promise<Response> {
  return Promise.resolve(
    h.t.app.request("/register", { method: "POST", headers: { "content-type": contentType, "x-test-peer": peer }, body: typeof body === "string" ? body : JSON.stringify(body) }),
  );
}

async function metadata(h: Harness): Promise<Record<string, unknown>> {
  return (await (await h.t.app.request("/.well-known/oauth-authorization-server")).json()) as Record<string, unknown>;
}

describe("dynamic registration off (the default)", () => {
  it("has no /register and no registration_endpoint", async () => {
    const h = await createHarness("embedded", undefined);
    expect((await register(h, { redirect_uris: [CB] })).status).toBe(404);
    expect(await metadata(h)).not.toHaveProperty("registration_endpoint");
    h.close();
  });
});

for (const store of ["embedded", "upstash"] as const) {
  describe(`dynamic registration on (${store} store)`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(store, stores.bridge, { env: { AUTHBRIDGE_DYNAMIC_REGISTRATION: "1" } });
    });
    afterAll(() => h.close());

    it("registers a public client (201, RFC 7591 fields) and advertises the endpoint", async () => {
      expect(await metadata(h)).toMatchObject({ registration_endpoint: "http://localhost:8787/register" });
      const res = await register(h, { redirect_uris: [CB, LOOPBACK_CB], client_name: "Inspector", token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], software_id: "ignored" }, "203.0.113.1");
      expect(res.status).toBe(201);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ client_name: "Inspector", redirect_uris: [CB, LOOPBACK_CB], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" });
      expect(body).not.toHaveProperty("client_secret");
      expect(typeof body.client_id_issued_at).toBe("number");
      const client = await h.t.deps.findClient(body.client_id as string);
      expect(client).toMatchObject({ isPublic: true, origin: "dynamic", secretHash: null });
      // A person is asked before the client gets anything.
      const b = await h.signIn("dcr-person");
      expect((await h.authorize(b, body.client_id as string)).kind).toBe("consent");
      // Defaults: name from the redirect host, both grants.
      const plain = (await (await register(h, { redirect_uris: [CB] }, "203.0.113.1")).json()) as Record<string, unknown>;
      expect(plain).toMatchObject({ client_name: "App at app.example.com", grant_types: ["authorization_code", "refresh_token"] });
    });

    it("public clients only; bad redirect URIs and metadata answer RFC 7591 errors", async () => {
      const peer = "203.0.113.2";
      const refused = async (body: unknown, error: string, status = 400, contentType?: string) => {
        const res = await register(h, body, peer, contentType);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(await res.json(), JSON.stringify(body)).toMatchObject({ error, error_description: expect.any(String) });
      };
      for (const method of ["client_secret_basic", "client_secret_post", "private_key_jwt"])
        await refused({ redirect_uris: [CB], token_endpoint_auth_method: method }, "invalid_client_metadata");
      for (const uri of ["http://app.example.com/cb", "https://app.example.com/cb#frag", "https://user:pw@app.example.com/cb", "com.example.app:/cb", "javascript:alert(1)", "/relative", "http://10.0.0.1/cb"])
        await refused({ redirect_uris: [uri] }, "invalid_redirect_uri");
      await refused({ redirect_uris: [] }, "invalid_redirect_uri");
      await refused({}, "invalid_redirect_uri");
      await refused({ redirect_uris: [CB], grant_types: ["client_credentials"] }, "invalid_client_metadata");
      await refused({ redirect_uris: [CB], grant_types: ["refresh_token"] }, "invalid_client_metadata");
      await refused({ redirect_uris: [CB], grant_types: ["urn:ietf:params:oauth:grant-type:token-exchange"] }, "invalid_client_metadata");
      await refused({ redirect_uris: [CB], response_types: ["token"] }, "invalid_client_metadata");
      await refused({ redirect_uris: [CB], scope: 'bad"scope' }, "invalid_client_metadata");
      await refused("{not json", "invalid_client_metadata");
      await refused([CB], "invalid_client_metadata");
      await refused("redirect_uris=x", "invalid_client_metadata", 415, "application/x-www-form-urlencoded");
      // Loopback in every spelling is fine (from another address: refusals count against the limit too).
      for (const uri of ["http://127.0.0.1:1234/cb", "http://[::1]:1234/cb", "http://localhost/cb"]) expect((await register(h, { redirect_uris: [uri] }, "203.0.113.3")).status).toBe(201);
    });

    it(`at most ${REGISTRATIONS_PER_HOUR} registrations an hour per address; other addresses unaffected`, async () => {
      const peer = "198.51.100.9";
      const answers = [];
      for (let i = 0; i <= REGISTRATIONS_PER_HOUR; i++) answers.push((await register(h, { redirect_uris: [CB] }, peer)).status);
      expect(answers.slice(0, REGISTRATIONS_PER_HOUR).every((s) => s === 201)).toBe(true);
      const over = await register(h, { redirect_uris: [CB] }, peer);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await register(h, { redirect_uris: [CB] }, "198.51.100.10")).status).toBe(201);
    });

    it("use is written at most once a day; 30 days unused and the client is gone (and swept)", async () => {
      const fresh = await createHarness(store, stores.bridge, { env: { AUTHBRIDGE_DYNAMIC_REGISTRATION: "1" } });
      const id = ((await (await register(fresh, { redirect_uris: [CB] })).json()) as { client_id: string }).client_id;
      const lastUsed = async () => (await fresh.t.deps.db.select({ at: clients.lastUsedAt }).from(clients).where(eq(clients.id, id)))[0]?.at;
      const b = await fresh.signIn("expiry-person");
      const tokens = await fresh.tokensFor(b, id);
      expect(await lastUsed()).toBeNull(); // registered moments ago: its registration is its last use
      fresh.t.advance(DAY + 1000);
      const r1 = await fresh.refresh(id, tokens.refresh_token!);
      expect(r1.status).toBe(200);
      const touched = await lastUsed();
      expect(touched).toBeGreaterThan(0);
      let rt = ((await r1.json()) as { refresh_token: string }).refresh_token;
      for (let i = 0; i < 3; i++) {
        const r = await fresh.refresh(id, rt);
        rt = ((await r.json()) as { refresh_token: string }).refresh_token;
      }
      expect(await lastUsed()).toBe(touched); // same day: no more writes
      // 29 days after that use it still lives…
      fresh.t.advance(DYNAMIC_CLIENT_IDLE_MS - DAY);
      expect(await fresh.t.deps.findClient(id)).toBeDefined();
      // …a day later it is gone everywhere, before any sweep.
      fresh.t.advance(2 * DAY);
      expect(await fresh.t.deps.findClient(id)).toBeUndefined();
      const page = await fresh.authorize(b, id);
      expect(page.kind === "page" && page.status === 400 && page.html.includes("Unknown application")).toBe(true);
      expect(await (await fresh.refresh(id, rt)).json()).toMatchObject({ error: "invalid_client" });
      // The next registration sweeps its row (and its consents).
      expect((await register(fresh, { redirect_uris: [CB] })).status).toBe(201);
      expect(await fresh.t.deps.db.select().from(clients).where(eq(clients.id, id))).toEqual([]);
      const account = await (await b.request("http://localhost:8787/account")).text();
      expect(account).not.toContain(`data-client-id="${id}"`);
      fresh.close();
    });
  });
}
