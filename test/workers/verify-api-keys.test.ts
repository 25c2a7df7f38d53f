/**
 * API keys presented directly to `requireAuth` running inside a real workerd (bundled as wrangler bundles
 * a worker; no nodejs_compat, so keys are hashed with WebCrypto and concurrent requests do not share
 * calls), introspected at the real server served by Node over loopback HTTP: a key is accepted, revoked
 * with the server's own revocation, still accepted inside the cache bound and refused after it.
 *
 * The worker's clock is moved through a test-only route of the test worker, together with the server's.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/apikeys/registry";
import { revokeApiKeyEverywhere } from "../../src/apikeys/revoke";
import { createClient } from "../../src/clients/registry";
import { createTestApp, type TestApp } from "../support/app";
import { bundleWorker, startWorker, type TestWorker } from "../support/workerd";

const AUD = "https://api.example";
const CACHE_SECONDS = 30;

/** The worker: one API with keys accepted (`/keys`) and one without the option (`/no-keys`). */
const ENTRY = `
import { Hono } from "hono";
import { requireAuth } from "./src/verify/index.ts";
let app;
let offset = 0;
const now = () => Date.now() + offset;
function build(env) {
  const base = { issuer: env.ISSUER, audience: env.AUDIENCE, keys: JSON.parse(env.KEYS), now };
  const introspection = { url: env.INTROSPECT_URL, clientId: env.CLIENT_ID, clientSecret: env.CLIENT_SECRET };
  const keys = requireAuth({ ...base, introspection, apiKeys: { cacheSeconds: Number(env.CACHE_SECONDS) } });
  const noKeys = requireAuth({ ...base, introspection });
  const api = new Hono();
  const echo = (mw) => (c) => {
    const { tokenType, keyId, sub, clientId, scopes } = c.var.auth;
    return c.json({ tokenType, keyId, sub, clientId, scopes, stats: mw.stats(), nodeCrypto: typeof globalThis.process?.getBuiltinModule === "function" });
  };
  api.get("/keys", keys, echo(keys));
  api.get("/no-keys", noKeys, echo(noKeys));
  api.get("/stats", (c) => c.json(keys.stats()));
  return api;
}
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    // Test-only: move this isolate's clock for the middleware.
    if (url.pathname === "/__advance") {
      offset += Number(url.searchParams.get("ms"));
      return new Response("ok");
    }
    app ??= build(env);
    return app.fetch(request, env);
  },
};
`;
const SOURCE = { contents: ENTRY, sourcefile: "verify-api-keys-worker.ts" };

let t: TestApp;
let server: http.Server | undefined;
let serverUrl: string;
let introspections = 0;
let worker: TestWorker;
let owner: string;

async function get(path: string, key?: string): Promise<Response> {
  return fetch(`${worker.url}${path}`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
}

async function advance(ms: number): Promise<void> {
  t.advance(ms);
  expect((await fetch(`${worker.url}/__advance?ms=${ms}`)).status).toBe(200);
}

async function newKey(): Promise<{ key: string; apiKey: Awaited<ReturnType<typeof createApiKey>>["apiKey"] }> {
  return createApiKey(t.deps.db, t.deps.config.secret, { owner: { kind: "client", clientId: owner }, name: "worker-ci", scopes: ["reports:read"], createdBy: "test" }, t.deps.now());
}

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: AUD } });
  await new Promise<void>((resolve) => {
    server = serve(
      {
        fetch: (req: Request) => {
          if (new URL(req.url).pathname === "/introspect") introspections++;
          return t.app.fetch(req);
        },
        port: 0,
        hostname: "127.0.0.1",
      },
      () => resolve(),
    ) as http.Server;
  });
  serverUrl = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  const jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
  const api = await createClient(t.deps.db, { name: "reports-api", grants: ["client_credentials"], introspectAudiences: [AUD] });
  owner = (await createClient(t.deps.db, { name: "svc", grants: ["client_credentials"], scopes: ["reports:read"] })).client.id;
  worker = await startWorker(
    {
      ISSUER: t.deps.config.issuer,
      AUDIENCE: AUD,
      KEYS: JSON.stringify(jwks),
      INTROSPECT_URL: `${serverUrl}/introspect`,
      CLIENT_ID: api.client.id,
      CLIENT_SECRET: api.secret!,
      CACHE_SECONDS: String(CACHE_SECONDS),
    },
    SOURCE,
  );
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
  }
  t?.close();
});

describe("requireAuth with apiKeys in workerd", () => {
  it("the worker bundle has no node: imports", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authbridge-verify-keys-"));
    try {
      const { metafile } = await bundleWorker(join(dir, "worker.js"), SOURCE);
      const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((im) => im.path));
      expect(imports.filter((p) => p.startsWith("node:"))).toEqual([]);
      expect(Object.keys(metafile.inputs)).toContain("src/verify/api-keys.ts");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accept → revoke → still accepted inside the bound → refused after it", async () => {
    const { key, apiKey } = await newKey();
    const before = introspections;
    const first = await get("/keys", key);
    expect(first.status).toBe(200);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ tokenType: "api_key", keyId: apiKey.id, sub: owner, clientId: owner, scopes: ["reports:read"], nodeCrypto: false });
    expect((await get("/keys", key)).status).toBe(200);
    expect(introspections - before).toBe(1); // the second was a cache hit (WebCrypto-hashed key)

    await revokeApiKeyEverywhere(t.deps, apiKey, "test");
    // 5 s of margin for the real time the steps take (a loaded machine), which adds to the clock moved here.
    await advance((CACHE_SECONDS - 5) * 1000);
    const inside = await get("/keys", key);
    expect([inside.status, inside.headers.get("www-authenticate")]).toEqual([200, null]);
    expect(introspections - before).toBe(1);
    await advance(6_000);
    const refused = await get("/keys", key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/error="invalid_token", error_description="the API key is not valid/);
    expect(introspections - before).toBe(2);
    expect(await (await get("/stats")).json()).toMatchObject({ keyIntrospections: 2, keyCacheHits: 2 });
  });

  it("a bad checksum → 401 with no introspection; without the apiKeys option → 401", async () => {
    const { key } = await newKey();
    const before = introspections;
    const bad = await get("/keys", `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/malformed API key/);
    const off = await get("/no-keys", key);
    expect(off.status).toBe(401);
    expect(off.headers.get("www-authenticate")).toMatch(/API keys are not accepted here/);
    expect(introspections - before).toBe(0);
  });
});
