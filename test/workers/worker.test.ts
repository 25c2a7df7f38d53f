/**
 * The Workers build in a real workerd, against real servers: sqld (the remote libSQL protocol Turso
 * speaks) and redis behind the Upstash REST bridge. The same app built on Node over the SAME database and
 * store must answer the public endpoints identically; the bundle must hold no Node-only code; and bad
 * bindings must give a 500 problem+json that names variables without leaking values.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiKey } from "../../src/apikeys/registry";
import { revokeApiKeyEverywhere } from "../../src/apikeys/revoke";
import { createApp } from "../../src/app";
import { createClient } from "../../src/clients/registry";
import { parseConfig } from "../../src/config";
import type { AppDeps } from "../../src/deps";
import { openDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import { silentLogger } from "../../src/lib/log";
import { generateSecret } from "../../src/lib/secret";
import { buildDeps } from "../../src/runtime/build-deps";
import { startRedis, type TestRedis } from "../support/redis-server";
import { startSqld, type TestSqld } from "../support/sqld";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";
import { bundleWorker, startWorker, WORKER_ENTRY, type TestWorker } from "../support/workerd";

const ROOT = join(WORKER_ENTRY, "../..");
const PATHS = ["/healthz", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"] as const;

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  body: unknown;
}

async function answer(res: Response): Promise<Answer> {
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    cacheControl: res.headers.get("cache-control"),
    body: await res.json(),
  };
}

describe("Workers build (workerd) against sqld and the Upstash bridge", () => {
  let sqld: TestSqld | undefined;
  let redis: TestRedis | undefined;
  let bridge: UpstashBridge | undefined;
  let worker: TestWorker | undefined;
  let nodeDeps: AppDeps | undefined;
  let nodeFetch: (path: string) => Promise<Response>;
  let workerCreatedKey = false;
  // A deployed worker's issuer: Workers refuse a localhost one unless the dev login is on. No platform is
  // configured (a configuration warning) and the log settings are not the Workers defaults (json, info).
  const env: Record<string, string> = {
    AUTHBRIDGE_ISSUER: "https://auth.example.com",
    AUTHBRIDGE_SECRET: generateSecret(),
    LOG_FORMAT: "text",
    LOG_LEVEL: "warn",
  };

  beforeAll(async () => {
    [sqld, redis] = await Promise.all([startSqld(), startRedis()]);
    bridge = await startUpstashBridge({ redisPort: redis.port, token: "worker-test-token" });
    const migrator = openDatabase({ url: sqld.url });
    await applyMigrations(migrator.db);
    migrator.client.close();
    Object.assign(env, { DATABASE_URL: sqld.url, UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token });

    worker = await startWorker(env);
    // The worker's first request creates the signing key; the Node side must then find it, not make one.
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    nodeDeps = buildDeps(parseConfig(env, "node"), silentLogger);
    workerCreatedKey = !(await nodeDeps.keys.ensureCurrent());
    const app = createApp(nodeDeps);
    nodeFetch = async (path) => app.fetch(new Request(`http://localhost:8787${path}`));
  });

  afterAll(async () => {
    nodeDeps?.dbClient.close();
    await worker?.stop();
    await bridge?.stop();
    await Promise.all([redis?.stop(), sqld?.stop()]);
  });

  test("the worker generated the signing key on its first request", () => {
    expect(workerCreatedKey).toBe(true);
  });

  test("logs as LOG_FORMAT and LOG_LEVEL say, and each configuration warning once per isolate", async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${worker!.url}/healthz`)).status).toBe(200);
    const warned = () => worker!.logs.filter((l) => l.includes("warn: no way to sign in"));
    for (let i = 0; i < 40 && warned().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(warned()).toHaveLength(1);
    // Text lines at warn and above only: no JSON line, no request line at info.
    expect(worker!.logs.filter((l) => l.includes('{"level"') || l.includes("info: "))).toEqual([]);
  });

  test.each(PATHS)("%s answers the same in workerd and on Node", async (path) => {
    const [fromWorker, fromNode] = await Promise.all([fetch(`${worker!.url}${path}`).then(answer), nodeFetch(path).then(answer)]);
    expect(fromWorker.status).toBe(200);
    expect(fromWorker).toEqual(fromNode);
  });

  test("API keys in workerd: exchanged and introspected, then refused at once after a revoke made on Node", async () => {
    const { client, secret } = await createClient(nodeDeps!.db, { name: "integration", scopes: ["reports:read"], introspectAudiences: ["https://api.example.com"] });
    const { key, apiKey } = await createApiKey(nodeDeps!.db, nodeDeps!.config.secret, { owner: { kind: "client", clientId: client.id }, name: "svc", createdBy: "cli" });
    const basic = `Basic ${btoa(`${client.id}:${secret!}`)}`;
    const form = (body: Record<string, string>, auth?: string) =>
      fetch(`${worker!.url}${"subject_token" in body ? "/token" : "/introspect"}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(auth ? { authorization: auth } : {}) },
        body: new URLSearchParams(body).toString(),
      });
    const exchange = () => form({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: key, subject_token_type: "urn:authbridge:token-type:api-key" });

    const issued = await exchange();
    expect(issued.status).toBe(200);
    const { access_token, scope } = (await issued.json()) as { access_token: string; scope: string };
    expect(scope).toBe("reports:read");
    expect(await (await form({ token: key }, basic)).json()).toMatchObject({ active: true, token_type: "api_key", sub: client.id, scope: "reports:read" });

    await revokeApiKeyEverywhere(nodeDeps!, apiKey, "cli");
    expect(await (await form({ token: key }, basic)).json()).toEqual({ active: false });
    expect(await (await form({ token: access_token }, basic)).json()).toEqual({ active: false });
    const refused = await exchange();
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
  });

  test("both publish exactly one Ed25519 key with the same kid", async () => {
    const [w, n] = await Promise.all([fetch(`${worker!.url}/.well-known/jwks.json`).then(answer), nodeFetch("/.well-known/jwks.json").then(answer)]);
    const keysOf = (a: Answer) => (a.body as { keys: Array<{ kty: string; crv: string; kid: string; d?: string }> }).keys;
    expect(keysOf(w)).toHaveLength(1);
    expect(keysOf(w)[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(keysOf(w)[0]?.d).toBeUndefined();
    expect(keysOf(w)[0]?.kid).toBe(keysOf(n)[0]?.kid);
  });
});

describe("Workers bundle", () => {
  test("contains no Node-only code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authbridge-bundle-"));
    try {
      const { metafile } = await bundleWorker(join(dir, "worker.js"));
      const inputs = Object.keys(metafile.inputs);
      const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((im) => im.path));
      expect(inputs.filter((p) => p.startsWith("node:"))).toEqual([]);
      expect(imports.filter((p) => p.startsWith("node:"))).toEqual([]);
      // Paths in the metafile are relative to the working dir esbuild ran in (the repo root).
      const rel = inputs.map((p) => relative(ROOT, join(ROOT, p)));
      for (const nodeOnly of ["src/db/migrate.ts", "src/runtime/node-env.ts", "src/node.ts"]) expect(rel).not.toContain(nodeOnly);
      expect(rel.filter((p) => p.includes("@hono/node-server"))).toEqual([]);
      // @libsql/client must resolve to its web build (the Node build loads native sqlite bindings).
      expect(rel).toContain("node_modules/@libsql/client/lib-esm/web.js");
      expect(rel).not.toContain("node_modules/@libsql/client/lib-esm/node.js");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Workers entry with invalid bindings", () => {
  let worker: TestWorker | undefined;
  const secret = generateSecret();

  beforeAll(async () => {
    // No DATABASE_URL; the store URL is never contacted because configuration fails first.
    worker = await startWorker({
      AUTHBRIDGE_ISSUER: "http://localhost:8787",
      AUTHBRIDGE_SECRET: secret,
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
      UPSTASH_REDIS_REST_TOKEN: "unused-token",
    });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  test("answers 500 problem+json naming the localhost issuer and DATABASE_URL without leaking values", async () => {
    for (const path of ["/healthz", "/.well-known/jwks.json"]) {
      const res = await fetch(`${worker!.url}${path}`);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = JSON.parse(text) as { status: number; detail: string; invalid_variables: string[] };
      expect(body.status).toBe(500);
      expect(body.detail).toMatch(/configuration is invalid/);
      // A localhost issuer without the dev login is what a naive deploy would run with: refused too.
      expect(body.invalid_variables).toEqual(["AUTHBRIDGE_ISSUER", "DATABASE_URL"]);
      expect(text).not.toContain(secret);
      expect(text).not.toContain("unused-token");
    }
    // Logged once per isolate, naming the variable and why; never the secret. workerd's stdout arrives
    // asynchronously, so give it a moment.
    for (let i = 0; i < 40 && !worker!.logs.join("\n").includes("DATABASE_URL"); i++) await new Promise((r) => setTimeout(r, 50));
    const logged = worker!.logs.join("\n");
    expect(logged).toContain("DATABASE_URL");
    expect(logged).toContain("AUTHBRIDGE_ISSUER: a localhost issuer is refused on Workers unless AUTHBRIDGE_DEV_LOGIN=1");
    expect(logged).not.toContain(secret);
  });
});
