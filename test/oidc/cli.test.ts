/**
 * The CLI's OpenID Connect options (a real child process over one libSQL file, as `npx authbridge` runs):
 * `clients create --id-token-alg ALG --userinfo-alg ALG --post-logout-redirect-uri URI…` registers them,
 * `clients update` changes only the ones given (`""` back to the default, or no URIs), `clients show` and
 * `clients list` print them for every client (defaults included), refusals name the flag (exit 2) before
 * anything is written, and `keys rotate` renews the RS256 ID-token key with the others.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { asc, eq, isNull } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client";
import { auditEvents, clientOidc, clients, signingKeys } from "../../src/db/schema";
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

/** A run that must succeed with nothing on stderr: its stdout as JSON. */
async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const r = await cli(...args);
  expect(r.stderr, args.join(" ")).toBe("");
  expect(r.code, args.join(" ")).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The database the CLI writes, opened in-process for one look. */
async function withDb<T>(look: (db: ReturnType<typeof openDatabase>["db"]) => Promise<T>): Promise<T> {
  const { db, client } = openDatabase({ url: env.DATABASE_URL });
  try {
    return await look(db);
  } finally {
    client.close();
  }
}

/** Everything an OpenID Connect option could change: the clients, their settings and the audit log. */
const snapshot = () =>
  withDb(async (db) => ({
    clients: await db.select().from(clients).orderBy(asc(clients.id)),
    oidc: await db.select().from(clientOidc).orderBy(asc(clientOidc.clientId)),
    audit: (await db.select().from(auditEvents)).length,
  }));

const DEFAULTS = { id_token_signed_response_alg: "RS256", userinfo_signed_response_alg: null, post_logout_redirect_uris: [] };

describe("clients create with OpenID Connect options", () => {
  it("registers the ID-token and UserInfo algorithms and the post-logout redirect URIs, in the client's JSON", async () => {
    const out = await ok(
      "clients",
      "create",
      "--name",
      "Grafana",
      "--redirect-uri",
      "https://grafana.example.com/login/generic_oauth",
      "--id-token-alg",
      "ES256",
      "--userinfo-alg",
      "EdDSA",
      "--post-logout-redirect-uri",
      "https://grafana.example.com/login",
      "--post-logout-redirect-uri",
      "https://grafana.example.com/bye",
    );
    expect(out).toMatchObject({
      name: "Grafana",
      id_token_signed_response_alg: "ES256",
      userinfo_signed_response_alg: "EdDSA",
      post_logout_redirect_uris: ["https://grafana.example.com/login", "https://grafana.example.com/bye"],
    });
    expect(out.client_secret).toBeTruthy();
    expect(await withDb((db) => oidcSettings(db, out.client_id as string))).toEqual({
      idTokenAlg: "ES256",
      userinfoAlg: "EdDSA",
      postLogoutRedirectUris: ["https://grafana.example.com/login", "https://grafana.example.com/bye"],
    });
  }, 90_000);

  it("without the options registers nothing and prints the defaults", async () => {
    const out = await ok("clients", "create", "--name", "Plain", "--redirect-uri", "https://plain.example.com/cb");
    expect(out).toMatchObject(DEFAULTS);
    const id = out.client_id as string;
    expect(await withDb((db) => db.select().from(clientOidc).where(eq(clientOidc.clientId, id)))).toEqual([]);
    expect(await withDb((db) => oidcSettings(db, id))).toEqual({ idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] });
  }, 90_000);

  it("refuses a bad algorithm or URI naming the flag (exit 2), and creates no client", async () => {
    const before = await snapshot();
    const alg = await cli("clients", "create", "--name", "X", "--redirect-uri", "https://x.example.com/cb", "--id-token-alg", "HS256", "--userinfo-alg", "none");
    expect(alg.code).toBe(2);
    expect(alg.stderr).toContain("error: --id-token-alg: must be one of RS256, EdDSA, ES256");
    expect(alg.stderr).toContain("error: --userinfo-alg: must be one of RS256, EdDSA, ES256");
    const uri = await cli("clients", "create", "--name", "X", "--redirect-uri", "https://x.example.com/cb", "--post-logout-redirect-uri", "javascript:alert(1)", "--post-logout-redirect-uri", "not a uri");
    expect(uri.code).toBe(2);
    expect(uri.stderr).toContain('error: --post-logout-redirect-uri "javascript:alert(1)": must be https, http on loopback, or a private-use scheme');
    expect(uri.stderr).toContain('error: --post-logout-redirect-uri "not a uri": must be an absolute URI without a fragment');
    // An empty value is no algorithm at registration (the default is what an absent flag gives).
    const empty = await cli("clients", "create", "--name", "X", "--userinfo-alg", "");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("error: --userinfo-alg: must be one of");
    // With a client problem too: every problem at once, each by its flag.
    const both = await cli("clients", "create", "--name", "X", "--grant", "password", "--id-token-alg", "HS256");
    expect(both.stderr).toMatch(/--grant "password": unknown grant type[\s\S]*--id-token-alg: must be one of/);
    expect(await snapshot()).toEqual(before);
  }, 90_000);

  it("documents the options in --help", async () => {
    const r = await cli("clients", "create", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--id-token-alg ALG +OpenID Connect: sign its ID tokens with RS256 \(the default\), EdDSA or ES256/);
    expect(r.stdout).toMatch(/--userinfo-alg ALG +OpenID Connect: UserInfo answers it a JWT signed with ALG .* instead of JSON \(the default\)/);
    expect(r.stdout).toMatch(/--post-logout-redirect-uri URI +OpenID Connect: where logout may send the person back to/);
    expect(r.stdout).toContain('"userinfo_signed_response_alg"');
  }, 90_000);
});

describe("clients update with OpenID Connect options", () => {
  let id = "";
  const URIS = ["https://dash.example.com/bye", "com.example.dash:/signed-out"];

  it("changes only the settings given, and clients show and clients list print them", async () => {
    id = (await ok("clients", "create", "--name", "Dash", "--redirect-uri", "https://dash.example.com/cb")).client_id as string;
    const first = await ok("clients", "update", id, "--id-token-alg", "EdDSA", "--post-logout-redirect-uri", URIS[0]!, "--post-logout-redirect-uri", URIS[1]!);
    expect(first).toMatchObject({ name: "Dash", redirect_uris: ["https://dash.example.com/cb"], id_token_signed_response_alg: "EdDSA", userinfo_signed_response_alg: null, post_logout_redirect_uris: URIS });
    // Only --userinfo-alg: the algorithm and the URIs set before stay.
    const second = await ok("clients", "update", id, "--userinfo-alg", "ES256");
    expect(second).toMatchObject({ id_token_signed_response_alg: "EdDSA", userinfo_signed_response_alg: "ES256", post_logout_redirect_uris: URIS });
    expect(await withDb((db) => oidcSettings(db, id))).toEqual({ idTokenAlg: "EdDSA", userinfoAlg: "ES256", postLogoutRedirectUris: URIS });
    expect(await ok("clients", "show", id)).toEqual(second);
    const listed = (await cli("clients", "list")).stdout;
    expect((JSON.parse(listed) as Record<string, unknown>[]).find((c) => c.client_id === id)).toMatchObject({
      id_token_signed_response_alg: "EdDSA",
      userinfo_signed_response_alg: "ES256",
      post_logout_redirect_uris: URIS,
    });
  }, 90_000);

  it('goes back to the defaults with "" (RS256 ID tokens, UserInfo as JSON, no post-logout URIs), and a client update changes none of them', async () => {
    const renamed = await ok("clients", "update", id, "--name", "Dashboards");
    expect(renamed).toMatchObject({ name: "Dashboards", id_token_signed_response_alg: "EdDSA", userinfo_signed_response_alg: "ES256", post_logout_redirect_uris: URIS });
    const one = await ok("clients", "update", id, "--post-logout-redirect-uri", URIS[1]!);
    expect(one.post_logout_redirect_uris).toEqual([URIS[1]]); // the given ones replace the list
    const reset = await ok("clients", "update", id, "--id-token-alg", "", "--userinfo-alg", "", "--post-logout-redirect-uri", "");
    expect(reset).toMatchObject({ name: "Dashboards", ...DEFAULTS });
    expect(await withDb((db) => oidcSettings(db, id))).toEqual({ idTokenAlg: "RS256", userinfoAlg: null, postLogoutRedirectUris: [] });
  }, 90_000);

  it("audits each change with the actor cli, naming the settings that changed (nothing when nothing did)", async () => {
    const rows = await withDb((db) => db.select().from(auditEvents).where(eq(auditEvents.subject, id)).orderBy(asc(auditEvents.id)));
    const updates = rows.filter((r) => r.type === "client.updated");
    expect(updates.map((r) => r.actor)).toEqual(["cli", "cli", "cli", "cli", "cli"]);
    expect(updates.map((r) => (JSON.parse(r.detail) as { fields: string[] }).fields)).toEqual([
      ["idTokenAlg", "postLogoutRedirectUris"],
      ["userinfoAlg"],
      ["name"],
      ["postLogoutRedirectUris"],
      ["idTokenAlg", "userinfoAlg", "postLogoutRedirectUris"],
    ]);
    await ok("clients", "update", id, "--userinfo-alg", "");
    expect((await withDb((db) => db.select().from(auditEvents).where(eq(auditEvents.subject, id)))).length).toBe(rows.length);
  }, 90_000);

  it("refuses bad values by flag (exit 2) and changes nothing", async () => {
    const before = await snapshot();
    const bad = await cli("clients", "update", id, "--id-token-alg", "HS256", "--userinfo-alg", "json", "--post-logout-redirect-uri", "https://ok.example.com/bye", "--post-logout-redirect-uri", "http://evil.example.com/bye");
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain("error: --id-token-alg: must be one of RS256, EdDSA, ES256");
    expect(bad.stderr).toContain("error: --userinfo-alg: must be one of RS256, EdDSA, ES256");
    expect(bad.stderr).toContain('error: --post-logout-redirect-uri "http://evil.example.com/bye": must be https, http on loopback, or a private-use scheme');
    expect(bad.stderr).not.toMatch(/idTokenAlg|userinfoAlg|postLogoutRedirectUris|\.1/);
    const mixed = await cli("clients", "update", id, "--post-logout-redirect-uri", "", "--post-logout-redirect-uri", "https://ok.example.com/bye");
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('error: --post-logout-redirect-uri "": an empty value empties the list; give it alone');
    const many = Array.from({ length: 21 }, (_, i) => ["--post-logout-redirect-uri", `https://dash.example.com/bye/${i}`]).flat();
    expect((await cli("clients", "update", id, ...many)).stderr).toContain("error: --post-logout-redirect-uri: at most 20 URIs");
    const twice = await cli("clients", "update", id, "--userinfo-alg", "ES256", "--userinfo-alg", "EdDSA");
    expect(twice.stderr).toContain("error: --userinfo-alg given more than once");
    const none = await cli("clients", "update", id);
    expect(none.stderr).toMatch(/error: nothing to change: give at least one of .*--id-token-alg, --userinfo-alg, --post-logout-redirect-uri/);
    const missing = await cli("clients", "update", "client_nope", "--userinfo-alg", "ES256");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("error: no client client_nope");
    expect(await snapshot()).toEqual(before);
  }, 90_000);

  it("documents the options and how to go back to the defaults in --help", async () => {
    const r = await cli("clients", "update", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--id-token-alg ALG +OpenID Connect: .*"" goes back to the default, RS256/);
    expect(r.stdout).toMatch(/--userinfo-alg ALG +OpenID Connect: .*"" goes back to JSON/);
    expect(r.stdout).toMatch(/--post-logout-redirect-uri URI +OpenID Connect: .*replaces the list; "" alone empties it/);
    expect((await cli("clients", "show", "--help")).stdout).toContain('"id_token_signed_response_alg", "userinfo_signed_response_alg", "post_logout_redirect_uris"');
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
