import { createLocalJWKSet, jwtVerify } from "jose";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, disableClient, rotateClientSecret } from "../../src/clients/registry";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";

let t: TestApp;
let svc: { id: string; secret: string };

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: "https://api.example.com" } });
  const { client, secret } = await createClient(t.deps.db, {
    name: "billing",
    scopes: ["invoices:read", "invoices:write"],
    audiences: ["https://reports.example.com"],
  });
  svc = { id: client.id, secret: secret! };
});
afterAll(() => t.close());

async function jwks() {
  const res = await t.app.request("/.well-known/jwks.json");
  return createLocalJWKSet((await res.json()) as { keys: [] });
}

describe("client_credentials", () => {
  it("issues an RFC 9068 token that verifies against the published JWKS", async () => {
    const res = await postForm(t.app, "/token", { grant_type: "client_credentials", scope: "invoices:read admin" }, svc);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "invoices:read" });
    expect(body).not.toHaveProperty("refresh_token");
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), await jwks(), {
      issuer: "http://localhost:8787",
      audience: "https://api.example.com",
      typ: "at+jwt",
      algorithms: ["EdDSA"],
    });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ sub: svc.id, client_id: svc.id, scope: "invoices:read", roles: [] });
    expect(Object.keys(payload).sort()).toEqual(["aud", "client_id", "exp", "iat", "iss", "jti", "roles", "scope", "sub"]);
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.sub).toMatch(/^client_/); // never an account id (acct_…)
  });

  it("gives all allowed scopes when none are asked for, and accepts client_secret_post", async () => {
    const res = await postForm(t.app, "/token", { grant_type: "client_credentials", client_id: svc.id, client_secret: svc.secret });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe("invoices:read invoices:write");
  });

  it("sets aud from an allowed RFC 8707 resource and refuses others", async () => {
    const ok = await postForm(t.app, "/token", { grant_type: "client_credentials", resource: "https://reports.example.com" }, svc);
    const { payload } = await jwtVerify(((await ok.json()) as { access_token: string }).access_token, await jwks());
    expect(payload.aud).toBe("https://reports.example.com");
    const bad = await postForm(t.app, "/token", { grant_type: "client_credentials", resource: "https://evil.example.com" }, svc);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_target" });
  });

  it("bad client credentials: 401 invalid_client, with a Basic challenge for Basic", async () => {
    const basic = await postForm(t.app, "/token", { grant_type: "client_credentials" }, { id: svc.id, secret: "secret_wrong" });
    expect(basic.status).toBe(401);
    expect(basic.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(await basic.json()).toMatchObject({ error: "invalid_client" });
    const unknown = await postForm(t.app, "/token", { grant_type: "client_credentials" }, { id: "client_nope", secret: svc.secret });
    expect(unknown.status).toBe(401);
    const post = await postForm(t.app, "/token", { grant_type: "client_credentials", client_id: svc.id, client_secret: "x" });
    expect(post.status).toBe(401);
    expect(await post.json()).toMatchObject({ error: "invalid_client" });
    const none = await postForm(t.app, "/token", { grant_type: "client_credentials" });
    expect(none.status).toBe(401);
  });

  it("unknown grant → unsupported_grant_type; implicit/password never exist", async () => {
    for (const grant of ["password", "implicit", "urn:example:nope"]) {
      const res = await postForm(t.app, "/token", { grant_type: grant, username: "a", password: "b" }, svc);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "unsupported_grant_type" });
    }
  });

  it("malformed requests → invalid_request, never a 5xx", async () => {
    const json = await t.app.request("/token", { method: "POST", headers: { "content-type": "application/json" }, body: '{"grant_type":"client_credentials"}' });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: "invalid_request" });
    const dup = await t.app.request("/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&grant_type=client_credentials",
    });
    expect(await dup.json()).toMatchObject({ error: "invalid_request" });
    const missing = await postForm(t.app, "/token", {}, svc);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
    const huge = await postForm(t.app, "/token", { grant_type: "client_credentials", scope: "a".repeat(40_000) }, svc);
    expect(huge.status).toBe(413); // bounded while streaming (SECURITY.md), in the OAuth error shape
    expect(await huge.json()).toMatchObject({ error: "invalid_request" });
    const badScope = await postForm(t.app, "/token", { grant_type: "client_credentials", scope: 'a"b' }, svc);
    expect(await badScope.json()).toMatchObject({ error: "invalid_scope" });
  });

  it("fuzzed bodies and headers at /token, /revoke and /introspect answer 4xx in the OAuth error shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/token", "/revoke", "/introspect"),
        fc.string({ maxLength: 300 }),
        fc.constantFrom("application/x-www-form-urlencoded", "text/plain", "", "multipart/form-data; boundary=x"),
        fc.option(fc.string({ maxLength: 80 })),
        async (path, body, type, auth) => {
          const headers: Record<string, string> = {};
          if (type) headers["content-type"] = type;
          if (auth !== null) headers.authorization = `Basic ${auth}`;
          let res: Response;
          try {
            res = await t.app.request(path, { method: "POST", headers, body });
          } catch {
            return; // the request itself could not be built (invalid header value): nothing reached the app
          }
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          const parsed = (await res.json()) as { error: string };
          expect(typeof parsed.error).toBe("string");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a disabled client gets nothing; a rotated secret replaces the old one", async () => {
    const { client, secret } = await createClient(t.deps.db, { name: "tmp", scopes: ["x"] });
    const creds = { id: client.id, secret: secret! };
    expect((await postForm(t.app, "/token", { grant_type: "client_credentials" }, creds)).status).toBe(200);
    const rotated = await rotateClientSecret(t.deps.db, client.id);
    expect((await postForm(t.app, "/token", { grant_type: "client_credentials" }, creds)).status).toBe(401);
    const fresh = { id: client.id, secret: rotated.secret };
    expect((await postForm(t.app, "/token", { grant_type: "client_credentials" }, fresh)).status).toBe(200);
    await disableClient(t.deps.db, client.id);
    const res = await postForm(t.app, "/token", { grant_type: "client_credentials" }, fresh);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
  });

  it("a client not allowed the grant gets unauthorized_client", async () => {
    const { client } = await createClient(t.deps.db, { name: "web", isPublic: true, redirectUris: ["https://app.example.com/cb"] });
    const res = await postForm(t.app, "/token", { grant_type: "client_credentials", client_id: client.id });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "unauthorized_client" });
  });

  it("metadata lists the token endpoints, grants and auth methods", async () => {
    const meta = (await (await t.app.request("/.well-known/oauth-authorization-server")).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: "http://localhost:8787",
      token_endpoint: "http://localhost:8787/token",
      revocation_endpoint: "http://localhost:8787/revoke",
      introspection_endpoint: "http://localhost:8787/introspect",
      jwks_uri: "http://localhost:8787/.well-known/jwks.json",
      code_challenge_methods_supported: ["S256"],
    });
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(["client_credentials", "refresh_token"]));
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post"]));
  });
});
