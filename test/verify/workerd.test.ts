/**
 * The example API (requireAuth from authbridge/verify) bundled the way wrangler bundles a worker and run
 * in a real workerd through miniflare: with `keys` given as a binding, and with a `jwksUrl` pointing at the
 * real server over loopback HTTP. Tokens are real ones from the server; the bundle must hold no `node:`
 * imports.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import type { Metafile } from "esbuild";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { newId } from "../../src/lib/ids";
import { signAccessToken } from "../../src/tokens/access";
import { createTestApp, type TestApp } from "../support/app";
import { postForm } from "../support/oauth";
import { bundleWorker, startWorker, type TestWorker } from "../support/workerd";

const ISSUER = "http://localhost:8787";
const AUD = "https://api.example.com";

/** The worker entry: the example API, built once per isolate from its bindings. */
const ENTRY = `
import { createExampleApi } from "./examples/api/app.ts";
let app;
export default {
  fetch(request, env) {
    app ??= createExampleApi(
      env.JWKS_URL
        ? { issuer: env.ISSUER, audience: env.AUDIENCE, jwksUrl: env.JWKS_URL }
        : { issuer: env.ISSUER, audience: env.AUDIENCE, keys: JSON.parse(env.KEYS) },
    );
    return app.fetch(request, env);
  },
};
`;
const SOURCE = { contents: ENTRY, sourcefile: "verify-worker.ts" };

let t: TestApp;
let creds: { id: string; secret: string };
let jwks: { keys: JWK[] };
let dir: string;
let scriptPath: string;
let metafile: Metafile;
let server: http.Server | undefined;
let serverUrl: string;
const workers: TestWorker[] = [];

async function token(scope: string): Promise<string> {
  const res = await postForm(t.app, "/token", { grant_type: "client_credentials", scope }, creds);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  t = await createTestApp({ env: { AUTHBRIDGE_AUDIENCE: AUD } });
  const { client, secret } = await createClient(t.deps.db, { name: "worker-caller", scopes: ["reports:read", "reports:write"] });
  creds = { id: client.id, secret: secret! };
  jwks = (await (await t.app.request("/.well-known/jwks.json")).json()) as { keys: JWK[] };
  dir = mkdtempSync(join(tmpdir(), "authbridge-verify-worker-"));
  scriptPath = join(dir, "worker.js");
  metafile = (await bundleWorker(scriptPath, SOURCE)).metafile;
  await new Promise<void>((resolve) => {
    server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      serverUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    }) as http.Server;
  });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
  }
  t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the example API bundle", () => {
  it("has no node: imports and contains authbridge/verify", () => {
    const inputs = Object.keys(metafile.inputs);
    const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((im) => im.path));
    expect(inputs.filter((p) => p.startsWith("node:"))).toEqual([]);
    expect(imports.filter((p) => p.startsWith("node:"))).toEqual([]);
    expect(inputs).toContain("src/verify/index.ts");
    expect(inputs.filter((p) => p.includes("@hono/node-server"))).toEqual([]);
  });
});

for (const mode of ["keys", "jwksUrl"] as const) {
  describe(`requireAuth in workerd (${mode})`, () => {
    let w: TestWorker;
    beforeAll(async () => {
      const source: Record<string, string> = mode === "keys" ? { KEYS: JSON.stringify(jwks) } : { JWKS_URL: `${serverUrl}/.well-known/jwks.json` };
      w = await startWorker({ ISSUER, AUDIENCE: AUD, ...source }, SOURCE);
      workers.push(w);
    });

    it("a valid token → 200 with the auth fields", async () => {
      const res = await fetch(`${w.url}/reports`, { headers: { authorization: `Bearer ${await token("reports:read")}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ caller: { sub: creds.id, clientId: creds.id, scopes: ["reports:read"], roles: [], sid: null } });
    });

    it("a user token with role maintainer reaches /admin; sid comes through", async () => {
      const sid = newId("session");
      const { token: user } = await signAccessToken(t.deps.keys, { issuer: ISSUER, ttl: 600 }, { sub: "acct_w", clientId: creds.id, scopes: ["reports:read"], roles: ["maintainer"], sid, aud: AUD });
      const admin = await fetch(`${w.url}/admin`, { headers: { authorization: `Bearer ${user}` } });
      expect(admin.status).toBe(200);
      const reports = await fetch(`${w.url}/reports`, { headers: { authorization: `Bearer ${user}` } });
      expect(await reports.json()).toMatchObject({ caller: { sub: "acct_w", roles: ["maintainer"], sid } });
    });

    it("a bad token → 401 with the invalid_token challenge; no token → bare challenge; missing scope → 403", async () => {
      const good = await token("reports:read");
      const tampered = `${good.slice(0, -3)}${good.endsWith("AAA") ? "BBB" : "AAA"}`;
      const bad = await fetch(`${w.url}/reports`, { headers: { authorization: `Bearer ${tampered}` } });
      expect(bad.status).toBe(401);
      expect(bad.headers.get("www-authenticate")).toMatch(/^Bearer realm="https:\/\/api\.example\.com", error="invalid_token", error_description="[^"]+"$/);
      expect(await bad.json()).toMatchObject({ error: "invalid_token" });
      const none = await fetch(`${w.url}/reports`);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe(`Bearer realm="${AUD}"`);
      const scope = await fetch(`${w.url}/reports`, { headers: { authorization: `Bearer ${await token("reports:write")}` } });
      expect(scope.status).toBe(403);
      expect(scope.headers.get("www-authenticate")).toMatch(/error="insufficient_scope", scope="reports:read"/);
      expect((await fetch(`${w.url}/public`)).status).toBe(200);
    });
  });
}
