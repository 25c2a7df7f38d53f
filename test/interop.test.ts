/**
 * Interoperability: the real server over HTTP, driven by oauth4webapi (a standards-following OAuth client
 * and resource-server library) exactly as a third-party client would — discovery, client_credentials with
 * both secret methods, introspection, revocation, and RFC 9068 validation of the access token against the
 * published JWKS. Runs once per state store (embedded and Upstash through the bridge).
 */
import { serve, type ServerType } from "@hono/node-server";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, disableClient } from "../src/clients/registry";
import { createTestApp, type TestApp } from "./support/app";
import { startRedis, type TestRedis } from "./support/redis-server";
import { freePort } from "./support/temp";
import { startUpstashBridge, type UpstashBridge } from "./support/upstash-bridge";

const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface Running {
  t: TestApp;
  issuer: string;
  stop(): Promise<void>;
}

async function startServer(opts: { store: "embedded" | "upstash"; bridge?: UpstashBridge; env?: Record<string, string> }): Promise<Running> {
  // The port must be known before the app is built: the issuer in config is what clients discover.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const t = await createTestApp({ store: opts.store, ...(opts.bridge ? { bridge: opts.bridge } : {}), env: { ...opts.env, AUTHBRIDGE_ISSUER: issuer } });
    try {
      const server = await new Promise<ServerType>((resolve, reject) => {
        const s = serve({ fetch: t.app.fetch, port, hostname: "127.0.0.1" }, () => resolve(s));
        s.once("error", reject);
      });
      return {
        t,
        issuer,
        stop: async () => {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          t.close();
        },
      };
    } catch (e) {
      t.close();
      if (attempt >= 3) throw e; // the free port was taken in between: try another
    }
  }
}

function suite(store: "embedded" | "upstash") {
  describe(`oauth4webapi against the running server (${store} store)`, () => {
    let redis: TestRedis | undefined;
    let bridge: UpstashBridge | undefined;
    let srv: Running;
    let as: oauth.AuthorizationServer;
    let client: oauth.Client;
    let secret: string;

    beforeAll(async () => {
      if (store === "upstash") {
        redis = await startRedis();
        bridge = await startUpstashBridge({ redisPort: redis.port, token: "interop-token" });
      }
      srv = await startServer({ store, ...(bridge ? { bridge } : {}) });
      const created = await createClient(srv.t.deps.db, {
        name: "interop",
        scopes: ["invoices:read", "invoices:write"],
        grants: ["client_credentials"],
        // Also a resource server for the default audience: it introspects other clients' tokens below.
        introspectAudiences: [srv.t.deps.config.audience],
      });
      client = { client_id: created.client.id };
      secret = created.secret!;
      expect(secret).toBeTruthy();
    });

    afterAll(async () => {
      await srv?.stop();
      await bridge?.stop();
      await redis?.stop();
    });

    it("discovers RFC 8414 metadata whose issuer is the URL it was fetched from", async () => {
      const issuerUrl = new URL(srv.issuer);
      const res = await oauth.discoveryRequest(issuerUrl, { algorithm: "oauth2", ...insecure });
      expect(new URL(res.url).pathname).toBe("/.well-known/oauth-authorization-server");
      as = await oauth.processDiscoveryResponse(issuerUrl, res);
      expect(as.issuer).toBe(srv.issuer);
      expect(as.token_endpoint).toBe(`${srv.issuer}/token`);
      expect(as.jwks_uri).toBe(`${srv.issuer}/.well-known/jwks.json`);
      expect(as.introspection_endpoint).toBe(`${srv.issuer}/introspect`);
      expect(as.revocation_endpoint).toBe(`${srv.issuer}/revoke`);
      expect(as.grant_types_supported).toContain("client_credentials");
      expect(as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post"]));
      expect(as.introspection_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post"]));
    });

    async function grant(auth: oauth.ClientAuth, params: Record<string, string> = {}) {
      const res = await oauth.clientCredentialsGrantRequest(as, client, auth, params, insecure);
      return oauth.processClientCredentialsResponse(as, client, res);
    }

    async function introspect(token: string, auth = oauth.ClientSecretBasic(secret)) {
      const res = await oauth.introspectionRequest(as, client, auth, token, insecure);
      return oauth.processIntrospectionResponse(as, client, res);
    }

    it("issues, introspects, revokes and then reports inactive (client_secret_basic)", async () => {
      const tokens = await grant(oauth.ClientSecretBasic(secret), { scope: "invoices:read" });
      expect(tokens.token_type).toBe("bearer"); // oauth4webapi lower-cases it
      expect(tokens.scope).toBe("invoices:read");
      expect(tokens.expires_in).toBe(600);
      expect(tokens.refresh_token).toBeUndefined(); // no refresh token for client_credentials

      const active = await introspect(tokens.access_token);
      expect(active).toMatchObject({
        active: true,
        client_id: client.client_id,
        sub: client.client_id,
        scope: "invoices:read",
        iss: srv.issuer,
        token_type: "Bearer",
      });
      expect(active.exp! - active.iat!).toBe(600);

      const storeCallsBefore = bridge?.commands ?? 0;
      const rev = await oauth.revocationRequest(as, client, oauth.ClientSecretBasic(secret), tokens.access_token, insecure);
      await oauth.processRevocationResponse(rev);
      if (bridge) expect(bridge.commands).toBeGreaterThan(storeCallsBefore); // the mark went to Upstash

      expect(await introspect(tokens.access_token)).toEqual({ active: false });
    });

    it("leaves a token alone when another client tries to revoke it (200, still active)", async () => {
      const other = await createClient(srv.t.deps.db, { name: "other", scopes: ["x"], grants: ["client_credentials"] });
      const otherClient: oauth.Client = { client_id: other.client.id };
      const tokens = await grant(oauth.ClientSecretBasic(secret));
      const rev = await oauth.revocationRequest(as, otherClient, oauth.ClientSecretBasic(other.secret!), tokens.access_token, insecure);
      await oauth.processRevocationResponse(rev);
      expect((await introspect(tokens.access_token)).active).toBe(true);
    });

    it("works the same with client_secret_post, and without a scope gets every allowed scope", async () => {
      const tokens = await grant(oauth.ClientSecretPost(secret));
      expect(tokens.scope).toBe("invoices:read invoices:write");

      const active = await introspect(tokens.access_token, oauth.ClientSecretPost(secret));
      expect(active.active).toBe(true);
      expect(active.client_id).toBe(client.client_id);
      expect(active.scope).toBe("invoices:read invoices:write");

      const rev = await oauth.revocationRequest(as, client, oauth.ClientSecretPost(secret), tokens.access_token, {
        ...insecure,
        additionalParameters: { token_type_hint: "access_token" },
      });
      await oauth.processRevocationResponse(rev);
      expect((await introspect(tokens.access_token, oauth.ClientSecretPost(secret))).active).toBe(false);
    });

    it("drops scopes the client may not have instead of failing", async () => {
      const tokens = await grant(oauth.ClientSecretBasic(secret), { scope: "invoices:write admin" });
      expect(tokens.scope).toBe("invoices:write");
    });

    it("validates as an RFC 9068 JWT access token at a resource server, against the published JWKS (EdDSA)", async () => {
      const tokens = await grant(oauth.ClientSecretBasic(secret), { scope: "invoices:read" });
      const request = new Request("https://api.example/invoices", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
      const claims = await oauth.validateJwtAccessToken(as, request, srv.issuer, { ...insecure, signingAlgorithms: ["EdDSA"] });
      expect(claims).toMatchObject({ iss: srv.issuer, aud: srv.issuer, sub: client.client_id, client_id: client.client_id, scope: "invoices:read" });
      expect(claims.roles).toEqual([]);
      expect(claims.exp - claims.iat).toBe(600);

      // A resource server expecting another audience refuses it.
      await expect(oauth.validateJwtAccessToken(as, request, "https://other.example", insecure)).rejects.toMatchObject({
        code: oauth.JWT_CLAIM_COMPARISON,
      });
      // A token altered after signing is refused.
      const [h, p] = tokens.access_token.split(".");
      const forged = `${h}.${p}.${"A".repeat(86)}`;
      const bad = new Request("https://api.example/invoices", { headers: { Authorization: `Bearer ${forged}` } });
      await expect(oauth.validateJwtAccessToken(as, bad, srv.issuer, insecure)).rejects.toThrow();
    });

    it("keeps validating a token signed before a key rotation (old key stays in the JWKS)", async () => {
      const tokens = await grant(oauth.ClientSecretBasic(secret));
      const oldKid = JSON.parse(Buffer.from(tokens.access_token.split(".")[0]!, "base64url").toString()).kid as string;
      const newKid = await srv.t.deps.keys.rotate();
      expect(newKid).not.toBe(oldKid);
      const fresh = await oauth.processDiscoveryResponse(
        new URL(srv.issuer),
        await oauth.discoveryRequest(new URL(srv.issuer), { algorithm: "oauth2", ...insecure }),
      ); // a new AuthorizationServer object: oauth4webapi's JWKS cache is per object
      const request = new Request("https://api.example/", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
      await expect(oauth.validateJwtAccessToken(fresh, request, srv.issuer, insecure)).resolves.toMatchObject({ client_id: client.client_id });
      expect((await introspect(tokens.access_token)).active).toBe(true);
      const after = await grant(oauth.ClientSecretBasic(secret));
      expect(JSON.parse(Buffer.from(after.access_token.split(".")[0]!, "base64url").toString()).kid).toBe(newKid);
      const request2 = new Request("https://api.example/", { headers: { Authorization: `Bearer ${after.access_token}` } });
      await expect(oauth.validateJwtAccessToken(fresh, request2, srv.issuer, insecure)).resolves.toBeTruthy();
    });

    it("answers a wrong secret with invalid_client that oauth4webapi surfaces as such", async () => {
      const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(`${secret}x`), {}, insecure);
      expect(res.status).toBe(401);
      const err = await oauth.processClientCredentialsResponse(as, client, res).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(oauth.ResponseBodyError);
      expect((err as oauth.ResponseBodyError).error).toBe("invalid_client");
    });

    it("refuses introspection with a wrong secret", async () => {
      const tokens = await grant(oauth.ClientSecretBasic(secret));
      const res = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic("secret_wrong"), tokens.access_token, insecure);
      expect(res.status).toBe(401);
      await expect(oauth.processIntrospectionResponse(as, client, res)).rejects.toThrow();
    });

    it("makes a disabled client's live tokens inactive and refuses it new ones", async () => {
      const victim = await createClient(srv.t.deps.db, { name: "victim", scopes: ["x"], grants: ["client_credentials"] });
      const victimClient: oauth.Client = { client_id: victim.client.id };
      const auth = oauth.ClientSecretBasic(victim.secret!);
      const res = await oauth.clientCredentialsGrantRequest(as, victimClient, auth, {}, insecure);
      const tokens = await oauth.processClientCredentialsResponse(as, victimClient, res);
      expect((await introspect(tokens.access_token)).active).toBe(true);
      await disableClient(srv.t.deps.db, victim.client.id);
      expect(await introspect(tokens.access_token)).toEqual({ active: false });
      const again = await oauth.clientCredentialsGrantRequest(as, victimClient, oauth.ClientSecretPost(victim.secret!), {}, insecure);
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({ error: "invalid_client" });
    });
  });
}

suite("embedded");
suite("upstash");

describe("oauth4webapi against an ES256-signing server", () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startServer({ store: "embedded", env: { AUTHBRIDGE_SIGNING_ALG: "ES256" } });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("advertises ES256 and issues tokens a resource server validates", async () => {
    const issuerUrl = new URL(srv.issuer);
    const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: "oauth2", ...insecure }));
    expect(as.access_token_signing_alg_values_supported).toEqual(["ES256"]);
    const created = await createClient(srv.t.deps.db, { name: "es", scopes: ["a"], grants: ["client_credentials"] });
    const client: oauth.Client = { client_id: created.client.id };
    const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(created.secret!), {}, insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, res);
    const request = new Request("https://api.example/", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    const claims = await oauth.validateJwtAccessToken(as, request, srv.issuer, { ...insecure, signingAlgorithms: ["ES256"] });
    expect(claims).toMatchObject({ client_id: created.client.id, scope: "a" });
  });
});
