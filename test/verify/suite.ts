/**
 * The requireAuth suite, run once per signature engine by `verify.test.ts` (Node's crypto) and
 * `verify-webcrypto.test.ts` (jose over WebCrypto, as on Workers).
 *
 * `requireAuth` (authbridge/verify) against REAL tokens from the real server (client_credentials through
 * `/token`, or signed with the server's own key ring for crafted claims) and crafted bad tokens signed with
 * attacker keys. Each SECURITY.md "Tokens (verify side)" line is a test here; revocation runs against the
 * same state store the server writes (embedded, and Upstash through the bridge in front of redis-server),
 * and introspection against the server over real HTTP.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createExampleApi } from "../../examples/api/app";
import { createClient } from "../../src/clients/registry";
import { newId } from "../../src/lib/ids";
import { issueCode } from "../../src/oauth/codes";
import { createServices } from "../../src/services";
import { createUpstashStore } from "../../src/store/upstash";
import { signAccessToken } from "../../src/tokens/access";
import { requireAuth, requireRoles, requireScopes, type AuthInfo, type AuthVariables, type RequireAuthOptions } from "../../src/verify";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

const ISSUER = "http://localhost:8787";
const AUD = "https://api.example.com";
/** Which signature engine this run of the suite uses (set by the test file that imports it). */
const ENGINE = (process.env.VERIFY_ENGINE ?? "auto") as "auto" | "webcrypto";

// ---------------------------------------------------------------------------------------------------------
// Helpers: HTTP servers that count requests, raw JWS crafting, a protected app.

interface Listening {
  url: string;
  hits(): number;
  paths: string[];
  close(): Promise<void>;
}

/** A local HTTP server that records every request it receives. */
async function listen(answer: (path: string) => Promise<{ status: number; body: string }>): Promise<Listening> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? "");
    void answer(req.url ?? "").then(({ status, body }) => res.writeHead(status, { "content-type": "application/json" }).end(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => paths.length,
    paths,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Serve a Hono app over real HTTP (for introspection, which the middleware calls with fetch). */
async function serveApp(fetch: (req: Request) => Response | Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise((r) => {
          (server as http.Server).closeAllConnections();
          server.close(() => r());
        }),
      }),
    );
  });
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64u = (s: string | Uint8Array) => Buffer.from(s).toString("base64url");
type Signer = (data: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;
const edSigner = (key: CryptoKey): Signer => async (d) => new Uint8Array(await crypto.subtle.sign("Ed25519", key, d));
const esSigner = (key: CryptoKey): Signer => async (d) => new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, d));
const hsSigner = (secret: Uint8Array<ArrayBuffer>): Signer => async (d) => {
  const k = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, d));
};

/** A compact JWS with exactly the header and payload given (undefined members are left out). */
async function rawJws(header: Record<string, unknown>, payload: Record<string, unknown>, sign: Signer | null): Promise<string> {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${sign ? b64u(await sign(new TextEncoder().encode(input))) : ""}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** Claims shaped like the server's, overridable (undefined removes a claim). */
function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowS();
  return { iss: ISSUER, sub: "client_x", aud: AUD, exp: iat + 600, iat, jti: newId("jti"), client_id: "client_x", scope: "reports:read", roles: [], ...over };
}

type Protected = { app: Hono<{ Variables: AuthVariables }>; mw: ReturnType<typeof requireAuth> };

/** An API with one protected route echoing `c.var.auth`. */
function protectedApp(opts: Partial<RequireAuthOptions>): Protected {
  const mw = requireAuth({ issuer: ISSUER, audience: AUD, signatureEngine: ENGINE, ...opts } as RequireAuthOptions);
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get("/r", mw, (c) => {
    const auth: AuthInfo = c.var.auth;
    expectTypeOf(auth.sub).toEqualTypeOf<string>();
    expectTypeOf(auth.clientId).toEqualTypeOf<string>();
    expectTypeOf(auth.sid).toEqualTypeOf<string | undefined>();
    expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
    expectTypeOf(auth.claims.jti).toEqualTypeOf<string>();
    return c.json({ sub: auth.sub, clientId: auth.clientId, scopes: auth.scopes, roles: auth.roles, sid: auth.sid ?? null, jti: auth.claims.jti });
  });
  return { app, mw };
}

const call = (p: Protected | Hono<{ Variables: AuthVariables }>, token?: string, path = "/r") => {
  const app = "mw" in p ? p.app : p;
  return app.request(path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
};

async function expectInvalid(res: Response, description?: RegExp): Promise<void> {
  expect(res.status).toBe(401);
  const challenge = res.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+"$/);
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe("invalid_token");
  if (description) expect(body.error_description).toMatch(description);
}

// ---------------------------------------------------------------------------------------------------------
// The server under test (embedded store) and its keys.

let t: TestApp;
let svc: { id: string; secret: string };
let jwks: { keys: JWK[] };
let serverKey: { kid: string; privateKey: CryptoKey };
let attacker: { ed: CryptoKeyPair; es: CryptoKeyPair; edJwk: JWK };

async function mintToken(scope = "reports:read", app = t, creds = svc): Promise<string> {
  const res = await postForm(app.app, "/token", { grant_type: "client_credentials", scope }, creds);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A token with crafted claims/header, signed with the server's REAL current key (only the crafted part is wrong). */
async function realSigned(over: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return rawJws({ alg: "EdDSA", kid: serverKey.kid, typ: "at+jwt", ...header }, claims(over), edSigner(serverKey.privateKey));
}

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: AUD } });
  const { client, secret } = await createClient(t.deps.db, { name: "reporter", scopes: ["reports:read", "reports:write"] });
  svc = { id: client.id, secret: secret! };
  jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
  const current = await t.deps.keys.current();
  serverKey = { kid: current.kid, privateKey: current.privateKey };
  const ed = (await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true })) as CryptoKeyPair;
  const es = (await generateKeyPair("ES256", { extractable: true })) as CryptoKeyPair;
  attacker = { ed, es, edJwk: await exportJWK(ed.publicKey) };
});
afterAll(() => t?.close());

// ---------------------------------------------------------------------------------------------------------

describe("requireAuth: valid tokens", () => {
  it("accepts a real client_credentials token and sets typed c.var.auth", async () => {
    const p = protectedApp({ keys: jwks });
    const res = await call(p, await mintToken());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: svc.id, clientId: svc.id, scopes: ["reports:read"], roles: [], sid: null, jti: expect.stringMatching(/^at_/) });
  });

  it("exposes sid and roles of user tokens (signed by the server's key ring)", async () => {
    const sid = newId("session");
    const { token } = await signAccessToken(t.deps.keys, { issuer: ISSUER, ttl: 600 }, { sub: "acct_1", clientId: svc.id, scopes: ["reports:read", "profile"], roles: ["maintainer"], sid, aud: AUD });
    const res = await call(protectedApp({ keys: jwks.keys }), token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: "acct_1", scopes: ["profile", "reports:read"], roles: ["maintainer"], sid });
  });

  it("accepts typ application/at+jwt and any case (RFC 9068 §4)", async () => {
    const p = protectedApp({ keys: jwks });
    expect((await call(p, await realSigned({}, { typ: "application/at+jwt" }))).status).toBe(200);
    expect((await call(p, await realSigned({}, { typ: "AT+JWT" }))).status).toBe(200);
  });

  it("accepts an audience list containing ours, and an option list of audiences", async () => {
    expect((await call(protectedApp({ keys: jwks }), await realSigned({ aud: ["https://other.example", AUD] })))).toHaveProperty("status", 200);
    const p = protectedApp({ keys: jwks, audience: ["https://x.example", AUD] });
    expect((await call(p, await mintToken())).status).toBe(200);
  });
});

describe("requireAuth: missing or malformed credentials", () => {
  it("no Authorization header → 401 with a bare challenge (no error code, RFC 6750 §3.1)", async () => {
    const res = await call(protectedApp({ keys: jwks }));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="${AUD}"`);
    expect(await res.json()).toMatchObject({ error: "unauthorized" });
  });

  it("another scheme is no bearer token at all; `Bearer a b` is a malformed request (400)", async () => {
    const p = protectedApp({ keys: jwks, realm: "reports" });
    const basic = await p.app.request("/r", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
    expect(basic.headers.get("www-authenticate")).toBe('Bearer realm="reports"');
    const two = await p.app.request("/r", { headers: { authorization: "Bearer a b" } });
    expect(two.status).toBe(400);
    expect(two.headers.get("www-authenticate")).toMatch(/error="invalid_request"/);
  });
});

describe("SECURITY: alg none, HS256 with the public key, alg/key-type mismatch, bad signatures", () => {
  it("alg none (with and without a signature part) is refused", async () => {
    const p = protectedApp({ keys: jwks });
    await expectInvalid(await call(p, await rawJws({ alg: "none", typ: "at+jwt", kid: serverKey.kid }, claims(), null)));
    await expectInvalid(await call(p, `${(await rawJws({ alg: "none", typ: "at+jwt" }, claims(), null)).slice(0, -1)}.AAAA`), /algorithm/);
  });

  it("HS256 signed with the public key (raw x bytes, the JWK JSON, the x string) is refused", async () => {
    const pub = jwks.keys[0]!;
    const p = protectedApp({ keys: jwks });
    const secrets = [new Uint8Array(Buffer.from(String(pub.x), "base64url")), new TextEncoder().encode(JSON.stringify(pub)), new TextEncoder().encode(String(pub.x))];
    for (const secret of secrets) {
      const token = await rawJws({ alg: "HS256", typ: "at+jwt", kid: serverKey.kid }, claims(), hsSigner(secret));
      await expectInvalid(await call(p, token), /algorithm not allowed/);
    }
  });

  it("ES256 header naming the Ed25519 kid is refused (alg/key-type mismatch), also when the JWK has no alg", async () => {
    const token = await rawJws({ alg: "ES256", typ: "at+jwt", kid: serverKey.kid }, claims(), esSigner(attacker.es.privateKey));
    await expectInvalid(await call(protectedApp({ keys: jwks }), token), /no matching signing key/);
    const withoutAlg = { keys: jwks.keys.map(({ alg: _alg, ...k }) => k) };
    await expectInvalid(await call(protectedApp({ keys: withoutAlg }), token), /no matching signing key/);
    // EdDSA by an attacker key under our kid: the signature check is what fails.
    const forged = await rawJws({ alg: "EdDSA", typ: "at+jwt", kid: serverKey.kid }, claims(), edSigner(attacker.ed.privateKey));
    await expectInvalid(await call(protectedApp({ keys: jwks }), forged), /invalid signature/);
  });

  it("an empty or truncated signature is refused", async () => {
    const good = await mintToken();
    const p = protectedApp({ keys: jwks });
    const [h, pl, sig] = good.split(".") as [string, string, string];
    await expectInvalid(await call(p, `${h}.${pl}.`));
    await expectInvalid(await call(p, `${h}.${pl}.${sig.slice(0, -4)}`));
    await expectInvalid(await call(p, `${h}.${pl}.${sig.slice(0, 10)}`));
    expect((await call(p, good)).status).toBe(200); // the untouched token is fine
  });
});

describe("SECURITY: iss, aud, exp, nbf (bounded skew), typ, required claims", () => {
  it("wrong iss is refused", async () => {
    await expectInvalid(await call(protectedApp({ keys: jwks }), await realSigned({ iss: "https://evil.example" })), /issuer/);
  });

  it("wrong aud is refused, also a token minted by the server for another audience", async () => {
    await expectInvalid(await call(protectedApp({ keys: jwks }), await realSigned({ aud: "https://other.example" })), /audience/);
    await expectInvalid(await call(protectedApp({ keys: jwks, audience: "https://reports.example.com" }), await mintToken()), /audience/);
  });

  it("expired beyond the tolerance is refused; within it accepted", async () => {
    const p = protectedApp({ keys: jwks });
    await expectInvalid(await call(p, await realSigned({ exp: nowS() - 10, iat: nowS() - 610 })), /expired/);
    expect((await call(p, await realSigned({ exp: nowS() - 2, iat: nowS() - 600 }))).status).toBe(200);
  });

  it("nbf in the future beyond the tolerance is refused; within it accepted", async () => {
    const p = protectedApp({ keys: jwks, clockToleranceSeconds: 5 });
    await expectInvalid(await call(p, await realSigned({ nbf: nowS() + 60 })), /not valid yet/);
    expect((await call(p, await realSigned({ nbf: nowS() + 3 }))).status).toBe(200);
  });

  it("iat in the future beyond the tolerance is refused (it would escape revocation marks)", async () => {
    await expectInvalid(await call(protectedApp({ keys: jwks }), await realSigned({ iat: nowS() + 120 })), /future/);
  });

  it("missing typ, typ JWT, and typ at+jwt only in the payload are refused", async () => {
    const p = protectedApp({ keys: jwks });
    await expectInvalid(await call(p, await realSigned({}, { typ: undefined })), /typ/);
    await expectInvalid(await call(p, await realSigned({}, { typ: "JWT" })), /typ/);
    await expectInvalid(await call(p, await realSigned({}, { typ: "application/jwt" })), /typ/);
  });

  it.each(["sub", "client_id", "exp", "iat", "jti"])("a token without %s is refused", async (claim) => {
    await expectInvalid(await call(protectedApp({ keys: jwks }), await realSigned({ [claim]: undefined })), new RegExp(claim));
  });

  it("claims of the wrong type are refused (roles not an array, scope not a string)", async () => {
    const p = protectedApp({ keys: jwks });
    await expectInvalid(await call(p, await realSigned({ roles: "maintainer" })), /roles/);
    await expectInvalid(await call(p, await realSigned({ scope: ["reports:read"] })), /scope/);
  });

  it("a crit header is refused even with a valid signature", async () => {
    await expectInvalid(await call(protectedApp({ keys: jwks }), await realSigned({}, { crit: ["exp"], exp: 1 })));
  });
});

describe("SECURITY: kid injection and jku/x5u/jwk/x5c headers are refused and never fetched", () => {
  let jwksServer: Listening;
  let evil: Listening;
  beforeAll(async () => {
    jwksServer = await listen(async () => ({ status: 200, body: JSON.stringify(jwks) }));
    evil = await listen(async () => ({ status: 200, body: JSON.stringify({ keys: [{ ...attacker.edJwk, kid: "evil" }] }) }));
  });
  afterAll(async () => {
    await jwksServer?.close();
    await evil?.close();
  });

  it("kid `../../etc/passwd`, `*`, quotes, 200 and 10k characters: refused, no JWKS refetch; a well-formed unknown kid does refetch", async () => {
    const p = protectedApp({ jwksUrl: `${jwksServer.url}/jwks.json`, jwks: { cooldownSeconds: 1 } });
    expect((await call(p, await mintToken())).status).toBe(200);
    expect(jwksServer.hits()).toBe(1);
    await sleep(1100); // past the cooldown: an accepted unknown kid WOULD now cause a fetch
    for (const kid of ["../../etc/passwd", "*", `"' OR 1=1 --`, "k".repeat(200), "k".repeat(10_000), 42]) {
      await expectInvalid(await call(p, await realSigned({}, { kid })));
    }
    expect(jwksServer.hits()).toBe(1);
    await expectInvalid(await call(p, await realSigned({}, { kid: "well-formed-but-unknown" })), /no matching signing key/);
    expect(jwksServer.hits()).toBe(2);
  });

  it("jku, x5u, jwk and x5c headers are refused (attacker- or server-signed); the attacker's server is never contacted", async () => {
    const remote = protectedApp({ jwksUrl: `${jwksServer.url}/jwks.json` });
    const local = protectedApp({ keys: jwks });
    const headers: Array<Record<string, unknown>> = [
      { jku: `${evil.url}/jwks.json`, kid: "evil" },
      { x5u: `${evil.url}/cert.pem`, kid: "evil" },
      { jwk: { ...attacker.edJwk, kid: "evil" }, kid: "evil" },
      { x5c: ["MIIBszCCAVmgAwIBAgIUK"], kid: "evil" },
    ];
    for (const extra of headers) {
      const byAttacker = await rawJws({ alg: "EdDSA", typ: "at+jwt", ...extra }, claims(), edSigner(attacker.ed.privateKey));
      const byServer = await realSigned({}, { ...extra, kid: serverKey.kid });
      for (const p of [remote, local]) {
        await expectInvalid(await call(p, byAttacker), /header parameter is not accepted/);
        await expectInvalid(await call(p, byServer), /header parameter is not accepted/);
      }
    }
    expect(evil.hits()).toBe(0);
  });
});

describe("SECURITY: refresh tokens and authorization codes are not bearer tokens", () => {
  it("a real refresh token (rt_…) and a real authorization code (ac_…) → 401", async () => {
    const { token: rt } = await createServices(t.deps).refresh.issue({
      clientId: svc.id,
      sub: "acct_1",
      sid: newId("session"),
      grant: { scopes: ["reports:read"], aud: AUD },
      now: Date.now(),
    });
    expect(rt).toMatch(/^rt_/);
    const code = await issueCode(t.deps, { clientId: svc.id, redirectUri: "https://app.example/cb", codeChallenge: "x".repeat(43), accountId: "acct_1", sid: newId("session"), scopes: ["reports:read"], aud: AUD });
    expect(code).toMatch(/^ac_/);
    const p = protectedApp({ keys: jwks });
    await expectInvalid(await call(p, rt), /not a signed JWT/);
    await expectInvalid(await call(p, code), /not a signed JWT/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Revocation: store mode on both stores, then introspect mode over HTTP.

let redis: TestRedis | undefined;
let bridge: UpstashBridge | undefined;

describe("SECURITY: revocation in store mode", () => {
  beforeAll(async () => {
    redis = await startRedis();
    bridge = await startUpstashBridge({ redisPort: redis.port, token: "verify-token" });
  });
  afterAll(async () => {
    await bridge?.stop();
    await redis?.stop();
  });

  for (const kind of ["embedded", "upstash"] as const) {
    describe(`${kind} store`, () => {
      let s: TestApp;
      let creds: { id: string; secret: string };
      let keys: { keys: JWK[] };
      beforeAll(async () => {
        s = await createTestApp({ store: kind, bridge, env: { AUTHBRIDGE_AUDIENCE: AUD } });
        const { client, secret } = await createClient(s.deps.db, { name: "svc", scopes: ["reports:read"] });
        creds = { id: client.id, secret: secret! };
        keys = (await (await s.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
      });
      afterAll(() => s?.close());

      it("a token revoked at /revoke is refused on its next use (even though its verification is cached); off mode still accepts it", async () => {
        const storeMode = protectedApp({ keys, revocation: "store", store: s.deps.store });
        const off = protectedApp({ keys });
        const token = await mintToken("reports:read", s, creds);
        expect((await call(storeMode, token)).status).toBe(200);
        expect((await postForm(s.app, "/revoke", { token }, creds)).status).toBe(200);
        await expectInvalid(await call(storeMode, token), /revoked/);
        expect(storeMode.mw.stats()).toMatchObject({ verifications: 1, cacheHits: 1, storeChecks: 2 });
        expect((await call(off, token)).status).toBe(200);
        expect((await call(storeMode, await mintToken("reports:read", s, creds))).status).toBe(200);
      });

      it("one store round trip per request, cached or not", async () => {
        const p = protectedApp({ keys, revocation: "store", store: s.deps.store });
        const tokens = [await mintToken("reports:read", s, creds), await mintToken("reports:read", s, creds)];
        await call(p, tokens[0]); // warm the store's scripts
        const before = s.deps.store.roundTrips;
        for (const token of [...tokens, ...tokens]) expect((await call(p, token)).status).toBe(200);
        expect(s.deps.store.roundTrips - before).toBe(4);
      });

      it("storeCacheMs: a token's answer is reused within the window (one round trip), a revocation shows after it", async () => {
        let now = Date.now();
        const p = protectedApp({ keys, revocation: "store", store: s.deps.store, storeCacheMs: 500, now: () => now });
        const token = await mintToken("reports:read", s, creds);
        expect((await call(p, token)).status).toBe(200);
        const before = s.deps.store.roundTrips;
        expect((await call(p, token)).status).toBe(200);
        expect(s.deps.store.roundTrips - before).toBe(0);
        expect((await postForm(s.app, "/revoke", { token }, creds)).status).toBe(200);
        expect((await call(p, token)).status).toBe(200); // inside the window: the bounded staleness it buys
        now += 501;
        await expectInvalid(await call(p, token), /revoked/);
      });

      it("a revoked session and a blocked account (marks written with store.revoke) are refused", async () => {
        const p = protectedApp({ keys, revocation: "store", store: s.deps.store });
        const sid = newId("session");
        const grant = { sub: "acct_alice", clientId: creds.id, scopes: ["reports:read"], roles: [], aud: AUD };
        const user = await signAccessToken(s.deps.keys, { issuer: ISSUER, ttl: 600 }, { ...grant, sid });
        const other = await signAccessToken(s.deps.keys, { issuer: ISSUER, ttl: 600 }, { ...grant, sub: "acct_bob", sid: newId("session") });
        expect((await call(p, user.token)).status).toBe(200);
        await s.deps.store.revoke([{ kind: "session", id: sid, at: Date.now(), ttlSeconds: 700 }]);
        await expectInvalid(await call(p, user.token), /revoked/);
        expect((await call(p, other.token)).status).toBe(200);
        await s.deps.store.revoke([{ kind: "account", id: "acct_bob", at: Date.now(), ttlSeconds: 700 }]);
        await expectInvalid(await call(p, other.token), /revoked/);
      });
    });
  }

  it("a store that does not answer → 503, not 401", async () => {
    const dead = createUpstashStore({ url: `http://127.0.0.1:${await deadPort()}`, token: "x", timeoutMs: 300 });
    const p = protectedApp({ keys: jwks, revocation: "store", store: dead });
    const res = await call(p, await mintToken());
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "temporarily_unavailable" });
  });
});

describe("SECURITY: revocation in introspect mode (the server over real HTTP)", () => {
  let server: { url: string; close(): Promise<void> };
  let introspector: { id: string; secret: string };
  beforeAll(async () => {
    server = await serveApp(t.app.fetch);
    // A resource server: allowed to introspect the tokens of its audience.
    const { client, secret } = await createClient(t.deps.db, { name: "reports-api", scopes: [], introspectAudiences: [AUD] });
    introspector = { id: client.id, secret: secret! };
  });
  afterAll(() => server?.close());

  const introspectApp = (over: Partial<RequireAuthOptions> = {}, creds = introspector) =>
    protectedApp({
      keys: jwks,
      revocation: "introspect",
      introspection: { url: `${server.url}/introspect`, clientId: creds.id, clientSecret: creds.secret, cacheSeconds: 30 },
      ...over,
    });

  it("a token revoked before use is refused", async () => {
    const token = await mintToken();
    expect((await postForm(t.app, "/revoke", { token }, svc)).status).toBe(200);
    const p = introspectApp();
    await expectInvalid(await call(p, token), /revoked/);
    expect(p.mw.stats().introspections).toBe(1);
  });

  it("answers are cached per jti for at most cacheSeconds: a revocation shows after the window", async () => {
    let clock = Date.now();
    const p = introspectApp({ now: () => clock });
    const token = await mintToken();
    expect((await call(p, token)).status).toBe(200);
    expect((await call(p, token)).status).toBe(200);
    expect(p.mw.stats().introspections).toBe(1);
    expect((await postForm(t.app, "/revoke", { token }, svc)).status).toBe(200);
    clock += 29_000;
    expect((await call(p, token)).status).toBe(200); // still inside the documented window
    clock += 2_000;
    await expectInvalid(await call(p, token), /revoked/);
    expect(p.mw.stats().introspections).toBe(2);
  });

  it("introspection unreachable, or answering 401 to bad client credentials → 503, not 401", async () => {
    const token = await mintToken();
    const unreachable = introspectApp({ introspection: { url: `http://127.0.0.1:${await deadPort()}/introspect`, clientId: "x", clientSecret: "y", timeoutMs: 500 } });
    const down = await call(unreachable, token);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: "temporarily_unavailable" });
    const badCreds = introspectApp({}, { id: introspector.id, secret: "secret_wrong" });
    expect((await call(badCreds, token)).status).toBe(503);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("verified-token cache", () => {
  it("a reused token skips the signature check", async () => {
    const p = protectedApp({ keys: jwks });
    const token = await mintToken();
    for (let i = 0; i < 5; i++) expect((await call(p, token)).status).toBe(200);
    expect(p.mw.stats()).toMatchObject({ verifications: 1, cacheHits: 4, cacheSize: 1 });
  });

  it("is keyed by the whole token: a tampered copy of a cached token is verified (and refused)", async () => {
    const p = protectedApp({ keys: jwks });
    const token = await mintToken();
    expect((await call(p, token)).status).toBe(200);
    const sig = token.split(".")[2]!;
    const flipped = `${token.slice(0, -sig.length)}${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`;
    await expectInvalid(await call(p, flipped), /signature/);
    expect(p.mw.stats()).toMatchObject({ verifications: 2, cacheHits: 0 });
  });

  it("is bounded: the least recently used entry is evicted", async () => {
    const p = protectedApp({ keys: jwks, cache: { maxEntries: 2 } });
    const [a, b, c] = [await mintToken(), await mintToken(), await mintToken()];
    for (const token of [a, b, a, c]) expect((await call(p, token)).status).toBe(200); // b is now the LRU
    expect(p.mw.stats()).toMatchObject({ verifications: 3, cacheHits: 1, cacheSize: 2, evictions: 1 });
    await call(p, a); // still cached
    await call(p, b); // evicted: verified again
    expect(p.mw.stats()).toMatchObject({ verifications: 4, cacheHits: 2, cacheSize: 2, evictions: 2 });
  });

  it("maxEntries 0 turns it off", async () => {
    const p = protectedApp({ keys: jwks, cache: { maxEntries: 0 } });
    const token = await mintToken();
    for (let i = 0; i < 3; i++) await call(p, token);
    expect(p.mw.stats()).toMatchObject({ verifications: 3, cacheHits: 0, cacheSize: 0 });
  });

  it("a cached entry is dropped at exp: the next use is re-verified and refused as expired", async () => {
    let clock = Date.now();
    const p = protectedApp({ keys: jwks, now: () => clock });
    const token = await mintToken(); // exp = iat + 600
    expect((await call(p, token)).status).toBe(200);
    clock += 300_000;
    expect((await call(p, token)).status).toBe(200);
    expect(p.mw.stats()).toMatchObject({ verifications: 1, cacheHits: 1 });
    clock += 310_000; // past exp and the 5 s tolerance
    await expectInvalid(await call(p, token), /expired/);
    expect(p.mw.stats()).toMatchObject({ verifications: 2, cacheHits: 1, cacheSize: 0 });
  });

  it("the cached c.var.auth is frozen, so one request cannot change what the next one sees", async () => {
    const mw = requireAuth({ issuer: ISSUER, audience: AUD, keys: jwks, signatureEngine: ENGINE });
    const app = new Hono<{ Variables: AuthVariables }>();
    app.get("/r", mw, (c) => c.json({ frozen: Object.isFrozen(c.var.auth) && Object.isFrozen(c.var.auth.scopes) && Object.isFrozen(c.var.auth.claims) }));
    const res = await app.request("/r", { headers: { authorization: `Bearer ${await mintToken()}` } });
    expect(await res.json()).toEqual({ frozen: true });
  });
});

describe("remote JWKS", () => {
  let jwksServer: Listening;
  // Its own server: the key rotation below must not change the keys the other tests hold.
  let r: TestApp;
  let rCreds: { id: string; secret: string };
  const mint = () => mintToken("reports:read", r, rCreds);
  beforeAll(async () => {
    r = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: AUD } });
    const { client, secret } = await createClient(r.deps.db, { name: "rotating", scopes: ["reports:read"] });
    rCreds = { id: client.id, secret: secret! };
    // Serves whatever the server publishes now, so a key rotation shows up here.
    jwksServer = await listen(async () => {
      const res = await r.app.request("/.well-known/jwks.json");
      return { status: 200, body: await res.text() };
    });
  });
  afterAll(async () => {
    await jwksServer?.close();
    r?.close();
  });

  it("fetched once across many requests; refetched on the unknown kid after `keys rotate`; a burst of unknown kids costs at most one fetch", async () => {
    const p = protectedApp({ jwksUrl: `${jwksServer.url}/.well-known/jwks.json`, jwks: { cooldownSeconds: 1 } });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => mint()));
    for (const token of tokens) expect((await call(p, token)).status).toBe(200);
    expect(await Promise.all(tokens.map(async (tk) => (await call(p, tk)).status))).toEqual(tokens.map(() => 200));
    expect(jwksServer.hits()).toBe(1);

    await sleep(1100);
    const newKid = await r.deps.keys.rotate();
    const rotated = await mint();
    expect(JSON.parse(Buffer.from(rotated.split(".")[0]!, "base64url").toString())).toMatchObject({ kid: newKid });
    expect((await call(p, rotated)).status).toBe(200);
    expect(jwksServer.hits()).toBe(2);
    expect((await call(p, tokens[0]!)).status).toBe(200); // the old key is still published

    await sleep(1100);
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rawJws({ alg: "EdDSA", typ: "at+jwt", kid: `unknown-${i}` }, claims(), edSigner(attacker.ed.privateKey))),
    );
    const statuses = await Promise.all(burst.map(async (tk) => (await call(p, tk)).status));
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(jwksServer.hits()).toBeLessThanOrEqual(3);
    expect(jwksServer.hits()).toBeGreaterThanOrEqual(2);
  });

  it("an unreachable JWKS → 503 (neither accepted nor refused)", async () => {
    const p = protectedApp({ jwksUrl: `http://127.0.0.1:${await deadPort()}/jwks.json`, jwks: { timeoutMs: 500 } });
    const res = await call(p, await mint());
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "temporarily_unavailable" });
  });
});

describe("scopes and roles", () => {
  it("a missing scope → 403 insufficient_scope naming the needed scopes", async () => {
    const p = protectedApp({ keys: jwks, scopes: ["reports:read", "reports:write"] });
    const res = await call(p, await mintToken("reports:read"));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="insufficient_scope", scope="reports:read reports:write"/);
    expect(await res.json()).toMatchObject({ error: "insufficient_scope", scope: "reports:read reports:write" });
    expect((await call(p, await mintToken("reports:read reports:write"))).status).toBe(200);
  });

  it("requireScopes and requireRoles guards after requireAuth", async () => {
    const mw = requireAuth({ issuer: ISSUER, audience: AUD, keys: jwks, signatureEngine: ENGINE });
    const app = new Hono<{ Variables: AuthVariables }>();
    app.get("/write", mw, requireScopes("reports:write"), (c) => c.text(c.var.auth.sub));
    app.get("/admin", mw, requireRoles("maintainer"), (c) => c.text(c.var.auth.roles.join(",")));
    const readOnly = await mintToken("reports:read");
    const denied = await app.request("/write", { headers: { authorization: `Bearer ${readOnly}` } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toMatch(/error="insufficient_scope", scope="reports:write"/);
    const sign = (roles: string[]) => signAccessToken(t.deps.keys, { issuer: ISSUER, ttl: 600 }, { sub: "acct_m", clientId: svc.id, scopes: [], roles, sid: newId("session"), aud: AUD });
    const maintainer = (await sign(["maintainer", "member"])).token;
    const member = (await sign(["member"])).token;
    const ok = await app.request("/admin", { headers: { authorization: `Bearer ${maintainer}` } });
    expect([ok.status, await ok.text()]).toEqual([200, "maintainer,member"]);
    const no = await app.request("/admin", { headers: { authorization: `Bearer ${member}` } });
    expect(no.status).toBe(403);
    expect(await no.json()).toMatchObject({ error: "insufficient_scope", error_description: expect.stringMatching(/maintainer/) });
  });

  it("a guard without requireAuth before it fails closed (500), never lets the request through", async () => {
    const app = new Hono<{ Variables: AuthVariables }>();
    // Answer the wiring error quietly (Hono's default handler prints its stack on every run) and keep it.
    const errors: string[] = [];
    app.onError((err, c) => {
      errors.push(err.message);
      return c.text("Internal Server Error", 500);
    });
    app.get("/x", requireScopes("a"), (c) => c.text("reached"));
    expect((await app.request("/x")).status).toBe(500);
    expect(errors).toEqual(["requireScopes must run after requireAuth"]);
  });
});

describe("the example API", () => {
  it("/public open, /reports needs reports:read, /admin needs role maintainer", async () => {
    const api = createExampleApi({ issuer: ISSUER, audience: AUD, keys: jwks });
    expect((await api.request("/public")).status).toBe(200);
    expect((await api.request("/reports")).status).toBe(401);
    const reader = await mintToken("reports:read");
    const reports = await api.request("/reports", { headers: { authorization: `Bearer ${reader}` } });
    expect(reports.status).toBe(200);
    expect(await reports.json()).toMatchObject({ caller: { sub: svc.id, clientId: svc.id, scopes: ["reports:read"] } });
    expect((await api.request("/reports", { headers: { authorization: `Bearer ${await mintToken("reports:write")}` } })).status).toBe(403);
    expect((await api.request("/admin", { headers: { authorization: `Bearer ${reader}` } })).status).toBe(403);
  });
});

describe("options are validated once, at creation", () => {
  const base = { issuer: ISSUER, audience: AUD };
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["neither jwksUrl nor keys", {}, /exactly one of jwksUrl and keys/],
    ["both jwksUrl and keys", { jwksUrl: "https://a.example/jwks", keys: [] }, /jwks|keys/],
    ["a plain-http JWKS off loopback", { jwksUrl: "http://auth.example.com/jwks.json" }, /https/],
    ["a private key", { keys: [{ kty: "OKP", crv: "Ed25519", x: "x", d: "d", kid: "k" }] }, /public key/],
    ["a symmetric key", { keys: [{ kty: "oct", k: "c2VjcmV0", kid: "k" }] }, /OKP/],
    ["a key without kid", { keys: [{ kty: "OKP", crv: "Ed25519", x: "x" }] }, /kid/],
    ["HS256 in algorithms", { keys: jwks_placeholder(), algorithms: ["HS256"] }, /algorithms/],
    ["none in algorithms", { keys: jwks_placeholder(), algorithms: ["none"] }, /algorithms/],
    ["clock tolerance over 60 s", { keys: jwks_placeholder(), clockToleranceSeconds: 61 }, /clockToleranceSeconds/],
    ["introspect without introspection", { keys: jwks_placeholder(), revocation: "introspect" }, /introspection/],
    ["store without a store", { keys: jwks_placeholder(), revocation: "store" }, /store/],
    ["a store cache over a second", { keys: jwks_placeholder(), revocation: "store", store: { newestMark: async () => null }, storeCacheMs: 1001 }, /storeCacheMs/],
    ["an unknown option", { keys: jwks_placeholder(), audiences: ["x"] }, /audiences/],
  ])("refuses %s", (_, opts, message) => {
    expect(() => requireAuth({ ...base, ...opts } as unknown as RequireAuthOptions)).toThrow(message);
  });
});

function jwks_placeholder(): JWK[] {
  return [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1", alg: "EdDSA" }];
}
