/**
 * `authbridge/verify` as an API author gets it: `npm run build:verify`, `npm pack`, the tarball installed with
 * hono into a fresh project, and a plain-Node (no tsx) script in that project verifying a real token
 * from the real Node server. The installed tree must be the package, hono and jose only, under 20 MB,
 * and its type declarations must resolve under `moduleResolution: "nodenext"`.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/clients/registry";
import { openDatabase } from "../../src/db/client";
import { startNodeServer, type NodeServer } from "../support/node-server";
import { freePort, tempDir } from "../support/temp";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HONO = "hono@4.13.19";
const MAX_INSTALL_BYTES = 20 * 1024 * 1024;

const dir = tempDir("authbridge-pack-");
const pkgDir = join(dir.path, "package");
const projectDir = join(dir.path, "project");
const serverDir = join(dir.path, "server");
let server: NodeServer;
let issuer: string;
let jwksUrl: string;

/** Bytes of every file under `path`. */
function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

// npm talks to nobody but the registry, never runs install scripts, and prints no nags.
const npmEnv = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

beforeAll(async () => {
  for (const d of [pkgDir, projectDir, serverDir]) mkdirSync(d, { recursive: true });
  // A copy of the package directory, built into: concurrent runs never share packages/verify/dist.
  for (const f of ["package.json", "README.md"]) copyFileSync(join(ROOT, "packages/verify", f), join(pkgDir, f));
  const port = await freePort();
  issuer = `http://localhost:${port}`;
  jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  const serverStarted = startNodeServer({ cwd: serverDir, port, env: { AUTHBRIDGE_ISSUER: issuer } });

  await run("npm", ["run", "build:verify", "--", "--out", pkgDir], { cwd: ROOT, env: npmEnv, timeout: 60_000 });
  const { stdout } = await run("npm", ["pack", "--pack-destination", dir.path, "--silent"], { cwd: pkgDir, env: npmEnv, timeout: 30_000 });
  const tarball = join(dir.path, stdout.trim().split("\n").at(-1)!);

  writeFileSync(join(projectDir, "package.json"), JSON.stringify({ name: "my-api", private: true, type: "module" }));
  // From the registry (or npm's cache); --ignore-scripts: the package needs none.
  await run("npm", ["install", tarball, HONO, "--ignore-scripts", "--prefer-offline", "--no-package-lock"], { cwd: projectDir, env: npmEnv, timeout: 45_000 });
  server = await serverStarted;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  dir.remove();
});

describe("the authbridge/verify package", () => {
  it("installs as the package, hono and jose only, in under 20 MB", () => {
    const installed = readdirSync(join(projectDir, "node_modules")).filter((n) => !n.startsWith("."));
    expect(installed.sort()).toEqual(["authbridge", "hono", "jose"]);
    expect(sizeOf(join(projectDir, "node_modules"))).toBeLessThan(MAX_INSTALL_BYTES);
  });

  it("verifies a real token from a running server, in plain Node", async () => {
    const { db, client: raw } = openDatabase({ url: `file:${serverDir}/.data/authbridge.db` });
    const { client, secret } = await createClient(db, { name: "reporter", grants: ["client_credentials"], scopes: ["reports:read"] });
    raw.close();
    const res = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${client.id}:${secret}`)}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&scope=reports%3Aread",
    });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { access_token: string }).access_token;

    writeFileSync(
      join(projectDir, "check.mjs"),
      `import { Hono } from "hono";
import { requireAuth, requireScopes } from "authbridge/verify";
const { ISSUER, JWKS_URL, TOKEN } = process.env;
const app = new Hono();
const auth = requireAuth({ issuer: ISSUER, audience: ISSUER, jwksUrl: JWKS_URL });
app.get("/reports", auth, requireScopes("reports:read"), (c) => c.json({ sub: c.var.auth.sub, clientId: c.var.auth.clientId, scopes: c.var.auth.scopes }));
app.get("/admin", auth, requireScopes("reports:write"), (c) => c.text("no"));
const call = (path, token) => app.request(path, { headers: { authorization: "Bearer " + token } });
const ok = await call("/reports", TOKEN);
const forged = await call("/reports", TOKEN.slice(0, -6) + (TOKEN.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA"));
const scope = await call("/admin", TOKEN);
console.log(JSON.stringify({ ok: [ok.status, await ok.json()], forged: [forged.status, forged.headers.get("www-authenticate")], scope: [scope.status, scope.headers.get("www-authenticate")] }));
`,
    );
    const { stdout } = await run(process.execPath, ["check.mjs"], {
      cwd: projectDir,
      env: { PATH: process.env.PATH ?? "", ISSUER: issuer, JWKS_URL: jwksUrl, TOKEN: token },
      timeout: 20_000,
    });
    const out = JSON.parse(stdout) as { ok: [number, Record<string, unknown>]; forged: [number, string]; scope: [number, string] };
    expect(out.ok).toEqual([200, { sub: client.id, clientId: client.id, scopes: ["reports:read"] }]);
    expect(out.forged[0]).toBe(401);
    expect(out.forged[1]).toMatch(/^Bearer .*error="invalid_token"/);
    expect(out.scope[0]).toBe(403);
    expect(out.scope[1]).toMatch(/error="insufficient_scope"/);
  });

  it("ships type declarations that resolve under nodenext", async () => {
    writeFileSync(
      join(projectDir, "typed.ts"),
      `import { Hono } from "hono";
import { requireAuth, requireRoles, type AuthVariables, type RequireAuthOptions } from "authbridge/verify";
const options: RequireAuthOptions = { issuer: "https://auth.example.com", audience: "https://api.example.com", jwksUrl: "https://auth.example.com/.well-known/jwks.json" };
const app = new Hono<{ Variables: AuthVariables }>();
app.get("/admin", requireAuth(options), requireRoles("maintainer"), (c) => {
  const scopes: readonly string[] = c.var.auth.scopes;
  const sub: string = c.var.auth.sub;
  return c.json({ sub, scopes });
});
// @ts-expect-error: an unknown revocation mode is a type error
requireAuth({ ...options, revocation: "sometimes" });
export default app;
`,
    );
    writeFileSync(
      join(projectDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", lib: ["ES2023", "DOM"], types: [], strict: true, noEmit: true, skipLibCheck: true },
        files: ["typed.ts"],
      }),
    );
    const tsc = join(ROOT, "node_modules/.bin/tsc");
    const result = await run(tsc, ["-p", projectDir], { cwd: projectDir, timeout: 30_000 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout ?? ""}${e.stderr ?? ""}`, failed: true }));
    expect("failed" in result ? result.stdout : "").toBe("");
  });
});
