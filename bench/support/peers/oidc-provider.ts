/**
 * Child-process entry: node-oidc-provider (the peer most Node teams would pick) configured as close to
 * authbridge as it goes — EdDSA JWT access tokens (RFC 9068, through resource indicators), refresh-token
 * rotation, client_credentials, PKCE S256, one confidential client (Basic auth) — over its memory adapter
 * (an LRU capped at 1,000 entries: development only, volatile) or its example Redis adapter (ioredis).
 * Refresh tokens are seeded through its real authorization-code flow (authorize → interaction finished
 * programmatically → code → token), as a client would get them.
 *
 * Env: PEER_ADAPTER = memory | redis, PEER_REDIS_URL. Requests: `issue` {count} → refresh tokens;
 * `stats` → { cpuMicros }.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { serveChild } from "../child";
import { codeFrom, peerOps, pkcePair, refreshTokenOf } from "./code-flow";
import { redisAdapter } from "./oidc-redis-adapter";

const RESOURCE = "https://api.bench.example";
const REDIRECT = "http://127.0.0.1/cb";
const ACCOUNT = "user-1";

async function main(): Promise<void> {
  const adapterKind = process.env.PEER_ADAPTER ?? "memory";
  const redis = adapterKind === "redis" ? redisAdapter(process.env.PEER_REDIS_URL ?? "redis://127.0.0.1:6379") : undefined;
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "bench", alg: "EdDSA", use: "sig" };
  const clientSecret = randomBytes(32).toString("base64url");

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    ...(redis ? { adapter: redis.Adapter } : {}),
    clients: [
      {
        client_id: "bench",
        client_secret: clientSecret,
        grant_types: ["client_credentials", "authorization_code", "refresh_token"],
        response_types: ["code"],
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "EdDSA",
      },
    ],
    jwks: { keys: [jwk] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: "read write", audience: RESOURCE, accessTokenTTL: 600, accessTokenFormat: "jwt", jwt: { sign: { alg: "EdDSA" } } }),
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    ttl: { AccessToken: 600, ClientCredentials: 600, RefreshToken: 30 * 86400, Grant: 30 * 86400, Session: 86400, Interaction: 600, AuthorizationCode: 60 },
  });
  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (!req.url?.startsWith("/interaction/")) return void callback(req, res);
    // The person signs in and consents: finished programmatically (what a login page would do).
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: ACCOUNT, clientId: String(details.params.client_id) });
      grant.addResourceScope(RESOURCE, "read write");
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });

  const basic = `Basic ${Buffer.from(`bench:${clientSecret}`).toString("base64")}`;

  /** One refresh token through the authorization-code flow. */
  async function seed(): Promise<string> {
    const { verifier, challenge } = pkcePair();
    const q = new URLSearchParams({ client_id: "bench", response_type: "code", redirect_uri: REDIRECT, scope: "read write", resource: RESOURCE, code_challenge: challenge, code_challenge_method: "S256" });
    const code = await codeFrom(`${issuer}/auth?${q}`, REDIRECT);
    return refreshTokenOf(
      await fetch(`${issuer}/token`, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier, resource: RESOURCE }).toString(),
      }),
    );
  }

  serveChild(
    { url: issuer, clientId: "bench", clientSecret, jwksUrl: `${issuer}/jwks` },
    peerOps(seed),
    async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis?.client.disconnect();
    },
  );
}

main().catch((err: unknown) => {
  console.error("node-oidc-provider peer failed:", err);
  process.exit(1);
});
