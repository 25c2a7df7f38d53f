/**
 * The CLI's OpenID Connect options (a real child process over one libSQL file, as `npx authbridge` runs):
 * `clients create --id-token-alg ALG --post-logout-redirect-uri URI…` registers both, refusals name the
 * flag (exit 2) before anything is written, and `keys rotate` renews the RS256 ID-token key with the others.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isNull } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { listClients } from "../../src/clients/registry";
import { openDatabase } from "../../src/db/client";
import { signingKeys } from "../../src/db/schema";
import { decodeSecret, generateSecret } from "../../src/lib/secret";
import { oidcSettings } from "../../src/oidc/client-settings";
import { createKeyRing } from "../../src/tokens/keys";
import { tempDir } from "../support/temp";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = tempDir("authbridge-oidc-cli-");
const secret = generateSecret();
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: `file:${dir.path}/cli.db`, AUTHBRIDGE_SECRET: secret };
afterAll(() => dir.remove());

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`${root}bin/authbridge.js`, ...args], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("clients create with OpenID Connect options", () => {
  it("registers the ID-token algorithm and the post-logout redirect URIs", async () => {
    const r = await cli("clients", "create", "--name", "Grafana", "--redirect-uri", "https://grafana.example.com/login/generic_oauth", "--id-token-alg", "ES256", "--post-logout-redirect-uri", "https://grafana.example.com/login", "--post-logout-redirect-uri", "https://grafana.example.com/bye");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ name: "Grafana", id_token_signed_response_alg: "ES256", post_logout_redirect_uris: ["https://grafana.example.com/login", "https://grafana.example.com/bye"] });
    expect(out.client_secret).toBeTruthy();
    const { db, client } = openDatabase({ url: env.DATABASE_URL });
    expect(await oidcSettings(db, out.client_id as string)).toEqual({ idTokenAlg: "ES256", userinfoAlg: null, postLogoutRedirectUris: ["https://grafana.example.com/login", "https://grafana.example.com/bye"] });
    client.close();
  }, 90_000);

  it("without the options registers nothing and prints the client as before", async () => {
    const r = await cli("clients", "create", "--name", "Plain", "--redirect-uri", "https://plain.example.com/cb");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).not.toHaveProperty("id_token_signed_response_alg");
    const { db, client } = openDatabase({ url: env.DATABASE_URL });
    expect(await oidcSettings(db, out.client_id as string)).toEqual({ idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] });
    client.close();
  }, 90_000);

  it("refuses a bad algorithm or URI naming the flag (exit 2), and creates no client", async () => {
    const { db, client } = openDatabase({ url: env.DATABASE_URL });
    const before = (await listClients(db)).length;
    const alg = await cli("clients", "create", "--name", "X", "--redirect-uri", "https://x.example.com/cb", "--id-token-alg", "HS256");
    expect(alg.code).toBe(2);
    expect(alg.stderr).toContain("--id-token-alg");
    const uri = await cli("clients", "create", "--name", "X", "--redirect-uri", "https://x.example.com/cb", "--post-logout-redirect-uri", "javascript:alert(1)");
    expect(uri.code).toBe(2);
    expect(uri.stderr).toContain('--post-logout-redirect-uri "javascript:alert(1)"');
    expect((await listClients(db)).length).toBe(before);
    client.close();
  }, 90_000);

  it("documents both options in --help", async () => {
    const r = await cli("clients", "create", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--id-token-alg");
    expect(r.stdout).toContain("--post-logout-redirect-uri");
  }, 90_000);
});

describe("keys rotate", () => {
  it("renews the RS256 ID-token key together with the access-token key", async () => {
    const { db, client } = openDatabase({ url: env.DATABASE_URL });
    const ring = createKeyRing({ db, secret: decodeSecret(secret)!, alg: "EdDSA", accessTokenTtl: 600 });
    await ring.ensureCurrent();
    const rsa = await ring.currentFor("RS256");
    const r = await cli("keys", "rotate");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const live = await db.select({ kid: signingKeys.kid, alg: signingKeys.alg }).from(signingKeys).where(isNull(signingKeys.retiredAt));
    expect(live.map((k) => k.alg).sort()).toEqual(["EdDSA", "RS256"]);
    expect(live.map((k) => k.kid)).not.toContain(rsa.kid);
    const out = JSON.parse(r.stdout) as { current: string; published: string[] };
    expect(out.published).toEqual(expect.arrayContaining([rsa.kid, ...live.map((k) => k.kid)]));
    client.close();
  }, 90_000);
});
