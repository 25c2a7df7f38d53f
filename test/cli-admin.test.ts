/**
 * The CLI's management commands (`clients show|update|enable|disable|delete`, `accounts list|show|block|
 * unblock`, `audit list`) as an operator runs them: a real child process per command over one migrated
 * libSQL file (and sqld, the remote libSQL Workers use), JSON on stdout. They go through the management
 * services the API and the console call, so the answers are the API's JSON and every change is audited
 * with the actor `cli`. Effects are read back in-process over the same database, and through the real app.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_CALLER } from "../src/admin/caller";
import { getManagedClient } from "../src/admin/client-view";
import { presentClient as apiPresentClient } from "../src/admin/present";
import { createApp } from "../src/app";
import { parseConfig } from "../src/config";
import { openDatabase, type DatabaseHandle } from "../src/db/client";
import { accounts, apiKeys, auditEvents, clientOidc, clients, entitlements, identities, sessions, signingKeys } from "../src/db/schema";
import type { AppDeps } from "../src/deps";
import { silentLogger } from "../src/lib/log";
import { generateSecret } from "../src/lib/secret";
import { serviceDeps } from "../src/cli/services";
import { buildNodeDeps } from "../src/runtime/node-deps";
import { startRedis } from "./support/redis-server";
import { startSqld } from "./support/sqld";
import { startUpstashBridge } from "./support/upstash-bridge";
import { tempDir } from "./support/temp";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}bin/authbridge.js`;

/** The rules the server runs with: org `devs` makes developers, org `ops` operators (a role), everyone gets `profile`. */
const RULES = {
  roles: { operator: ["authbridge:admin"] },
  rules: [
    { when: { provider: "github", org: "devs" }, grant: ["authbridge:clients", "repos:read"] },
    { when: { provider: "github", org: "ops" }, grant: ["role:operator"] },
    { when: {}, grant: ["profile"] },
  ],
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dir = tempDir("authbridge-cli-admin-");
const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };
/** What the server runs with: the commands that open everything read all of it. */
const env = { ...base, DATABASE_URL: `file:${dir.path}/cli.db`, AUTHBRIDGE_SECRET: generateSecret(), AUTHBRIDGE_RULES: JSON.stringify(RULES) };
/** Only the database: what the read-only commands, `clients update` and `clients enable` need. */
const dbOnly = { ...base, DATABASE_URL: env.DATABASE_URL };

function cliIn(cwd: string, childEnv: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: childEnv, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => cliIn(root, env, ...args);

/** A run that must succeed with nothing on stderr: its stdout parsed as JSON. */
async function okWith<T>(childEnv: Record<string, string>, ...args: string[]): Promise<T> {
  const r = await cliIn(root, childEnv, ...args);
  expect(r.stderr, `stderr of ${args.join(" ")}`).toBe("");
  expect(r.code, `exit code of ${args.join(" ")}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const ok = <T = Record<string, unknown>>(...args: string[]) => okWith<T>(env, ...args);

/** A run that must fail with `code`: nothing on stdout, `error: …` lines on stderr, no stack trace. */
async function failsWith(childEnv: Record<string, string>, code: number, ...args: string[]): Promise<Run> {
  const r = await cliIn(root, childEnv, ...args);
  expect(r.code, `exit code of ${args.join(" ")}`).toBe(code);
  expect(r.stdout, args.join(" ")).toBe("");
  expect(r.stderr, args.join(" ")).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return r;
}

const fails = (code: number, ...args: string[]) => failsWith(env, code, ...args);

interface ClientJson {
  client_id: string;
  name: string;
  public: boolean;
  grants: string[];
  scopes: string[];
  redirect_uris: string[];
  audiences: string[];
  introspect_audiences: string[];
  owner_account_id: string | null;
  created_at: string;
  disabled_at: string | null;
  id_token_signed_response_alg: string;
  userinfo_signed_response_alg: string | null;
  post_logout_redirect_uris: string[];
  client_secret?: string;
}

interface AuditJson {
  id: number;
  at: string;
  type: string;
  actor: string | null;
  subject: string | null;
  detail: Record<string, unknown>;
}

interface PageJson<T> {
  items: T[];
  next?: string;
}

let h: DatabaseHandle;
let deps: AppDeps;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  // The CLI migrates the file; the in-process handles open lazily on the same file.
  await ok("migrate");
  h = openDatabase({ url: env.DATABASE_URL });
  deps = buildNodeDeps(parseConfig({ DATABASE_URL: env.DATABASE_URL, AUTHBRIDGE_SECRET: env.AUTHBRIDGE_SECRET, AUTHBRIDGE_RULES: env.AUTHBRIDGE_RULES }, "node"), silentLogger);
  app = createApp(deps);
});

afterAll(() => {
  h?.client.close();
  deps?.dbClient.close();
  dir.remove();
});

async function clientCredentials(id: string, secret: string): Promise<Response> {
  return app.request("/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: id, client_secret: secret }).toString(),
  });
}

/** The audit rows about `subject`, oldest first. */
async function auditOf(subject: string) {
  return h.db.select().from(auditEvents).where(eq(auditEvents.subject, subject)).orderBy(asc(auditEvents.id));
}

/** Everything a command could have changed, to compare before and after. */
async function snapshot() {
  return {
    clients: await h.db.select().from(clients).orderBy(asc(clients.id)),
    oidc: await h.db.select().from(clientOidc).orderBy(asc(clientOidc.clientId)),
    accounts: await h.db.select().from(accounts).orderBy(asc(accounts.id)),
    apiKeys: await h.db.select().from(apiKeys).orderBy(asc(apiKeys.id)),
    audit: (await h.db.select().from(auditEvents)).length,
    keys: await h.db.select().from(signingKeys).orderBy(asc(signingKeys.kid)),
  };
}

/** An account with a GitHub identity in `orgs`, stored entitlements, one live and one revoked session. */
async function seedAccount(id: string, username: string, orgs: string[], createdAt: number) {
  await h.db.insert(accounts).values({ id, kind: "user", displayName: `${username} (display)`, createdAt, blockedAt: null });
  await h.db.insert(identities).values({
    id: `idn_${id}`,
    accountId: id,
    provider: "github",
    subject: `gh-${id}`,
    username,
    email: `${username.toLowerCase()}@example.com`,
    emailVerified: true,
    facts: JSON.stringify({ provider: "github", orgs, teams: [] }),
    factsUpdatedAt: createdAt,
    tokensEnc: "sealed-provider-token-never-shown",
    createdAt,
    updatedAt: createdAt,
  });
  await h.db.insert(entitlements).values({ accountId: id, scopes: JSON.stringify(["authbridge:admin", "authbridge:clients", "profile", "repos:read"]), roles: JSON.stringify(["operator"]), derivedAt: createdAt });
  await h.db.insert(sessions).values([
    { id: `ses_live_${id}`, accountId: id, userAgent: "Firefox", createdAt, lastSeenAt: createdAt + 1000, revokedAt: null },
    { id: `ses_gone_${id}`, accountId: id, userAgent: "Chrome", createdAt, lastSeenAt: createdAt, revokedAt: createdAt + 500 },
  ]);
}

describe("clients through the CLI's management commands", { timeout: 90_000 }, () => {
  const billing = { id: "", secret: "" };

  it("clients create and rotate-secret go through the services: audited with the actor cli", async () => {
    const made = await ok<ClientJson>("clients", "create", "--name", "billing", "--grant", "client_credentials", "--scopes", "invoices:read invoices:write");
    billing.id = made.client_id;
    expect(made.owner_account_id).toBeNull();
    const rotated = await ok<{ client_id: string; client_secret: string }>("clients", "rotate-secret", billing.id);
    billing.secret = rotated.client_secret;
    expect((await clientCredentials(billing.id, billing.secret)).status).toBe(200);
    expect((await auditOf(billing.id)).map((e) => [e.type, e.actor])).toEqual([
      ["client.created", "cli"],
      ["client.secret_rotated", "cli"],
    ]);
  });

  it("clients show: the management API's JSON of the client, never a secret or its hash; only the database is read", async () => {
    const shown = await okWith<ClientJson>(dbOnly, "clients", "show", billing.id);
    expect(shown).toEqual(apiPresentClient(await getManagedClient(deps, CLI_CALLER, billing.id)));
    expect(shown).toMatchObject({ client_id: billing.id, name: "billing", public: false, grants: ["client_credentials"], scopes: ["invoices:read", "invoices:write"], disabled_at: null });
    // Its OpenID Connect settings, the defaults when it registered none.
    expect(shown).toMatchObject({ id_token_signed_response_alg: "RS256", userinfo_signed_response_alg: null, post_logout_redirect_uris: [] });
    const raw = JSON.stringify(shown);
    expect(raw).not.toMatch(/secret/i);
    expect(raw).not.toContain(billing.secret.slice("secret_".length));
    expect(raw).not.toContain('"v1:');
    // `clients list` shows the same client (list has no owner field: it predates owners).
    const listed = await ok<ClientJson[]>("clients", "list");
    const { owner_account_id: _owner, ...withoutOwner } = shown;
    expect(listed.find((c) => c.client_id === billing.id)).toEqual(withoutOwner);

    const missing = await failsWith(dbOnly, 1, "clients", "show", "client_nope");
    expect(missing.stderr.trim()).toBe("error: no client client_nope");
  });

  it("clients update changes what is given (a list option replaces the list) and clients show reflects it, audited with the actor cli", async () => {
    const updated = await okWith<ClientJson>(
      dbOnly,
      "clients",
      "update",
      billing.id,
      "--name",
      "billing v2",
      "--scopes",
      "invoices:read",
      "--grant",
      "authorization_code",
      "--grant",
      "refresh_token",
      "--grant",
      "client_credentials",
      "--redirect-uri",
      "https://billing.example.com/cb",
      "--redirect-uri",
      "http://127.0.0.1:9999/cb",
      "--audience",
      "https://api.example.com",
    );
    expect(updated).toMatchObject({
      client_id: billing.id,
      name: "billing v2",
      scopes: ["invoices:read"],
      grants: ["authorization_code", "refresh_token", "client_credentials"],
      redirect_uris: ["https://billing.example.com/cb", "http://127.0.0.1:9999/cb"],
      audiences: ["https://api.example.com"],
    });
    expect(await ok<ClientJson>("clients", "show", billing.id)).toEqual(updated);

    // One --redirect-uri replaces both; `--audience ""` empties the list; what is not given stays.
    const again = await okWith<ClientJson>(dbOnly, "clients", "update", billing.id, "--redirect-uri", "https://billing.example.com/new", "--audience", "");
    expect(again).toMatchObject({ name: "billing v2", scopes: ["invoices:read"], redirect_uris: ["https://billing.example.com/new"], audiences: [] });
    expect(await ok<ClientJson>("clients", "show", billing.id)).toEqual(again);

    const rows = (await auditOf(billing.id)).filter((e) => e.type === "client.updated");
    expect(rows.map((e) => e.actor)).toEqual(["cli", "cli"]);
    expect(JSON.parse(rows[0]!.detail)).toEqual({ fields: ["name", "grants", "scopes", "redirectUris", "audiences"] });
    expect(JSON.parse(rows[1]!.detail)).toEqual({ fields: ["redirectUris", "audiences"] });
    // The secret still works: an update is not a reset.
    expect((await clientCredentials(billing.id, billing.secret)).status).toBe(200);
  });

  it("clients update refuses bad flags by name (exit 2), an unknown client (exit 1), and changes nothing", async () => {
    const pub = await ok<ClientJson>("clients", "create", "--name", "spa", "--public", "--redirect-uri", "https://spa.example.com/cb");
    const before = await snapshot();

    const flags = await failsWith(dbOnly, 2, "clients", "update", billing.id, "--redirect-uri", "https://ok.example/cb", "--redirect-uri", "http://evil.example/cb", "--grant", "password");
    expect(flags.stderr).toMatch(/^error: --redirect-uri "http:\/\/evil.example\/cb": must be https/m);
    expect(flags.stderr).toMatch(/^error: --grant "password": unknown grant type/m);
    expect(flags.stderr).not.toMatch(/redirectUris|grants|\.0/);
    expect(flags.stderr).toContain('Run "authbridge clients update --help"');

    // Rules between fields are the service's, on the whole result: still named by flag.
    const publicCc = await failsWith(dbOnly, 2, "clients", "update", pub.client_id, "--grant", "client_credentials");
    expect(publicCc.stderr).toMatch(/^error: --grant: public clients cannot use client_credentials/m);
    const noRedirect = await failsWith(dbOnly, 2, "clients", "update", pub.client_id, "--redirect-uri", "");
    expect(noRedirect.stderr).toMatch(/^error: --redirect-uri: authorization_code needs at least one redirect URI/m);

    for (const [args, message] of [
      [["clients", "update", billing.id], /^error: nothing to change: give at least one of --name/],
      [["clients", "update"], /^error: missing CLIENT_ID/],
      [["clients", "update", billing.id, "--name", ""], /^error: --name: /],
      [["clients", "update", billing.id, "--scopes", "ok bad\u0001scope"], /^error: --scopes "bad\\u0001scope": /],
      [["clients", "update", billing.id, "--audience", "", "--audience", "https://a.example"], /^error: --audience "": an empty value empties the list; give it alone/],
      [["clients", "update", billing.id, "--public"], /^error: unknown option --public/],
      [["clients", "update", billing.id, "--name", "a", "--name", "b"], /^error: --name given more than once/],
      [["clients", "enable"], /^error: missing CLIENT_ID/],
      [["clients", "delete", billing.id, "extra"], /^error: unexpected argument "extra"/],
      [["clients", "show", billing.id, "--force"], /^error: unknown option --force/],
    ] as const) {
      const r = await failsWith(dbOnly, 2, ...args);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    expect((await failsWith(dbOnly, 1, "clients", "update", "client_nope", "--name", "x")).stderr.trim()).toBe("error: no client client_nope");
    expect(await snapshot()).toEqual(before);
  });

  it("clients disable stops its tokens and API keys (actor cli); clients enable lets the client in again with only the database", async () => {
    const key = await ok<{ id: string }>("api-keys", "create", "--client", billing.id, "--name", "nightly");
    const disabled = await ok<ClientJson>("clients", "disable", billing.id);
    // The answer `clients disable` always gave, now with the owner too.
    expect(disabled).toMatchObject({ client_id: billing.id, disabled_at: expect.any(String), owner_account_id: null });
    expect((await clientCredentials(billing.id, billing.secret)).status).toBe(401);
    expect(await deps.store.newestMark([{ kind: "client", id: billing.id }])).not.toBeNull();
    const [keyRow] = await h.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(keyRow!.revokedAt).toEqual(expect.any(Number));

    const enabled = await okWith<ClientJson>(dbOnly, "clients", "enable", billing.id);
    expect(enabled).toMatchObject({ client_id: billing.id, disabled_at: null });
    expect(await ok<ClientJson>("clients", "show", billing.id)).toEqual(enabled);
    // Enabling is not un-revoking: the key stays revoked; tokens issued from now on work.
    const [stillRevoked] = await h.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(stillRevoked!.revokedAt).toEqual(keyRow!.revokedAt);
    expect((await clientCredentials(billing.id, billing.secret)).status).toBe(200);
    // Idempotent: enabling an enabled client changes nothing and writes no row.
    const rowsBefore = (await auditOf(billing.id)).length;
    await okWith<ClientJson>(dbOnly, "clients", "enable", billing.id);
    expect((await auditOf(billing.id)).length).toBe(rowsBefore);

    const rows = (await auditOf(billing.id)).filter((e) => e.type === "client.disabled" || e.type === "client.enabled");
    expect(rows.map((e) => [e.type, e.actor])).toEqual([
      ["client.disabled", "cli"],
      ["client.enabled", "cli"],
    ]);
  });

  it("clients delete removes the client, its API keys and its OpenID Connect settings, stops its tokens, and keeps the audit rows", async () => {
    const made = await ok<ClientJson>("clients", "create", "--name", "doomed", "--grant", "client_credentials", "--userinfo-alg", "ES256");
    expect(await h.db.select().from(clientOidc).where(eq(clientOidc.clientId, made.client_id))).toHaveLength(1);
    const key = await ok<{ id: string }>("api-keys", "create", "--client", made.client_id, "--name", "doomed-key");
    expect((await clientCredentials(made.client_id, made.client_secret!)).status).toBe(200);

    const out = await ok("clients", "delete", made.client_id);
    expect(out).toEqual({ client_id: made.client_id, deleted: true, api_keys_deleted: [key.id] });
    expect(await h.db.select().from(clients).where(eq(clients.id, made.client_id))).toEqual([]);
    expect(await h.db.select().from(apiKeys).where(eq(apiKeys.clientId, made.client_id))).toEqual([]);
    expect(await h.db.select().from(clientOidc).where(eq(clientOidc.clientId, made.client_id))).toEqual([]);
    expect(await deps.store.newestMark([{ kind: "client", id: made.client_id }])).not.toBeNull();
    expect((await clientCredentials(made.client_id, made.client_secret!)).status).toBe(401);
    expect((await fails(1, "clients", "show", made.client_id)).stderr.trim()).toBe(`error: no client ${made.client_id}`);
    expect((await fails(1, "clients", "delete", made.client_id)).stderr.trim()).toBe(`error: no client ${made.client_id}`);

    const rows = await auditOf(made.client_id);
    expect(rows.map((e) => [e.type, e.actor])).toEqual([
      ["client.created", "cli"],
      ["api_key.created", "cli"],
      ["client.deleted", "cli"],
    ]);
    expect(JSON.parse(rows[2]!.detail)).toMatchObject({ name: "doomed", api_keys: [key.id] });
  });
});

describe("accounts and the audit log through the CLI", { timeout: 90_000 }, () => {
  const t0 = Date.now() - 3_600_000;

  beforeAll(async () => {
    await seedAccount("acct_cli_a", "Octo-Admin", ["devs", "ops"], t0);
    await seedAccount("acct_cli_b", "octo-dev", ["devs"], t0 + 1000);
    await seedAccount("acct_cli_c", "someone-else", [], t0 + 2000);
  });

  it("accounts list searches by platform username (any case) or id, newest first, a page at a time; only the database is read", async () => {
    const found = await okWith<PageJson<{ id: string; identities: unknown[]; blocked_at: string | null }>>(dbOnly, "accounts", "list", "--query", "OCTO");
    expect(found.items.map((a) => a.id)).toEqual(["acct_cli_b", "acct_cli_a"]);
    expect(found).not.toHaveProperty("next");
    expect(found.items[1]).toEqual({
      id: "acct_cli_a",
      kind: "user",
      display_name: "Octo-Admin (display)",
      created_at: new Date(t0).toISOString(),
      blocked_at: null,
      identities: [{ provider: "github", username: "Octo-Admin" }],
    });
    expect((await okWith<PageJson<{ id: string }>>(dbOnly, "accounts", "list", "--query", "acct_cli_c")).items.map((a) => a.id)).toEqual(["acct_cli_c"]);
    expect((await okWith<PageJson<unknown>>(dbOnly, "accounts", "list", "--query", "%")).items).toEqual([]); // a character, not a wildcard

    const first = await okWith<PageJson<{ id: string }>>(dbOnly, "accounts", "list", "--limit", "2");
    expect(first.items.map((a) => a.id)).toEqual(["acct_cli_c", "acct_cli_b"]);
    expect(first.next).toEqual(expect.any(String));
    const second = await okWith<PageJson<{ id: string }>>(dbOnly, "accounts", "list", "--limit", "2", "--before", first.next!);
    expect(second.items.map((a) => a.id)).toEqual(["acct_cli_a"]);
    expect(second).not.toHaveProperty("next");
    expect(JSON.stringify([first, second, found])).not.toContain("sealed-provider-token");
  });

  it("accounts show: identities, each scope and role with the rule behind it, live sessions, blocked or not", async () => {
    const a = await ok<{
      id: string;
      blocked: boolean;
      blocked_at: string | null;
      identities: { id: string; provider: string; username: string; facts: unknown }[];
      entitlements: { derived_at: string; scopes: { scope: string; held: boolean; granted_by: unknown[] }[]; roles: { role: string; held: boolean; granted_by: unknown[] }[] };
      sessions: { id: string; user_agent: string }[];
    }>("accounts", "show", "acct_cli_a");
    expect(a).toMatchObject({ id: "acct_cli_a", blocked: false, blocked_at: null });
    expect(a.identities).toEqual([expect.objectContaining({ id: "idn_acct_cli_a", provider: "github", username: "Octo-Admin", facts: { provider: "github", orgs: ["devs", "ops"], teams: [] } })]);
    expect(JSON.stringify(a)).not.toMatch(/sealed-provider-token|tokens_enc|tokensEnc/);
    const scope = (name: string) => a.entitlements.scopes.find((s) => s.scope === name);
    expect(scope("authbridge:admin")).toEqual({
      scope: "authbridge:admin",
      held: true,
      granted_by: [{ rule: "$.rules[1]", when: { provider: "github", org: "ops" }, grant: "role:operator", identity_id: "idn_acct_cli_a" }],
    });
    expect(scope("repos:read")!.granted_by).toEqual([{ rule: "$.rules[0]", when: { provider: "github", org: "devs" }, grant: "repos:read", identity_id: "idn_acct_cli_a" }]);
    expect(a.entitlements.scopes.map((s) => s.scope)).toEqual(["authbridge:admin", "authbridge:clients", "profile", "repos:read"]);
    expect(a.entitlements.roles).toEqual([{ role: "operator", held: true, granted_by: [expect.objectContaining({ rule: "$.rules[1]" })] }]);
    // Only the live session: the revoked one is gone from the list.
    expect(a.sessions).toEqual([
      { id: "ses_live_acct_cli_a", account_id: "acct_cli_a", user_agent: "Firefox", created_at: new Date(t0).toISOString(), last_seen_at: new Date(t0 + 1000).toISOString() },
    ]);

    // Held without a reason: derived before the rules changed (acct_cli_c's facts grant no admin today).
    const c = await ok<{ entitlements: { scopes: { scope: string; held: boolean; granted_by: unknown[] }[] } }>("accounts", "show", "acct_cli_c");
    expect(c.entitlements.scopes.find((s) => s.scope === "authbridge:admin")).toEqual({ scope: "authbridge:admin", held: true, granted_by: [] });

    expect((await fails(1, "accounts", "show", "acct_nope")).stderr.trim()).toBe("error: no account acct_nope");
  });

  it("accounts block and unblock go through the services: the actor cli in the audit rows, the same answers as before", async () => {
    const blocked = await cli("accounts", "block", "acct_cli_b");
    expect(blocked.code).toBe(0);
    const out = JSON.parse(blocked.stdout) as { account_id: string; blocked_at: string };
    expect(out).toEqual({ account_id: "acct_cli_b", blocked_at: expect.any(String) });
    expect(await deps.store.newestMark([{ kind: "account", id: "acct_cli_b" }])).not.toBeNull();
    const shown = await ok<{ blocked: boolean; blocked_at: string }>("accounts", "show", "acct_cli_b");
    expect(shown).toMatchObject({ blocked: true, blocked_at: out.blocked_at });
    // Blocking again keeps the first time.
    const again = JSON.parse((await cli("accounts", "block", "acct_cli_b")).stdout) as { blocked_at: string };
    expect(again.blocked_at).toBe(out.blocked_at);

    expect(await ok("accounts", "unblock", "acct_cli_b")).toEqual({ account_id: "acct_cli_b", blocked: false });
    expect(await ok("accounts", "show", "acct_cli_b")).toMatchObject({ blocked: false, blocked_at: null });
    const rows = await h.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subject, "acct_cli_b"))
      .orderBy(asc(auditEvents.id));
    expect(rows.map((e) => [e.type, e.actor])).toEqual([
      ["account.blocked", "cli"],
      ["account.unblocked", "cli"],
    ]);
  });

  it("audit list: newest first, filtered by type, account and client, a page at a time; only the database is read", async () => {
    const all = await okWith<PageJson<AuditJson>>(dbOnly, "audit", "list", "--limit", "200");
    const ids = all.items.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.items.length).toBe((await h.db.select().from(auditEvents)).length);
    expect(all.items[0]).toEqual({ id: expect.any(Number), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), type: expect.any(String), actor: expect.anything(), subject: expect.anything(), detail: expect.any(Object) });

    const blocks = await okWith<PageJson<AuditJson>>(dbOnly, "audit", "list", "--type", "account.blocked");
    expect(blocks.items.map((e) => [e.subject, e.actor])).toEqual([["acct_cli_b", "cli"]]);
    const about = await okWith<PageJson<AuditJson>>(dbOnly, "audit", "list", "--account", "acct_cli_b");
    expect(about.items.map((e) => e.type)).toEqual(["account.unblocked", "account.blocked"]);
    const byClient = await okWith<PageJson<AuditJson>>(dbOnly, "audit", "list", "--client", billingIdIn(all));
    expect(byClient.items.map((e) => e.type)).toEqual(["client.enabled", "client.disabled", "api_key.created", "client.updated", "client.updated", "client.secret_rotated", "client.created"]);
    expect(byClient.items.every((e) => e.actor === "cli")).toBe(true);

    // Pages: the next page starts where the previous one ended, with no overlap and nothing skipped.
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page: PageJson<AuditJson> = await okWith(dbOnly, "audit", "list", "--limit", "3", ...(cursor ? ["--before", cursor] : []));
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(ids);

    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect((await okWith<PageJson<AuditJson>>(dbOnly, "audit", "list", "--since", future)).items).toEqual([]);
    expect((await okWith<PageJson<AuditJson>>(dbOnly, "audit", "list", "--until", "2000-01-01")).items).toEqual([]);
  });

  it("accounts list and audit list refuse bad flags by name (exit 2), opening nothing", async () => {
    const before = await snapshot();
    for (const [args, message] of [
      [["audit", "list", "--limit", "0"], /^error: --limit "0": must be a whole number from 1 to 200/],
      [["audit", "list", "--limit", "201"], /^error: --limit "201": must be a whole number from 1 to 200/],
      [["audit", "list", "--limit", "ten"], /^error: --limit "ten": must be a whole number/],
      [["audit", "list", "--type", "Account Blocked"], /^error: --type "Account Blocked": must be an event type/],
      [["audit", "list", "--since", "yesterday"], /^error: --since "yesterday": must be an ISO 8601 date-time or date/],
      [["audit", "list", "--before", "not-a-cursor"], /^error: --before: not a cursor this server gave out/],
      [["audit", "list", "--account"], /^error: --account needs a value/],
      [["audit", "list", "--subject", "x"], /^error: unknown option --subject/],
      [["audit", "show"], /^error: unknown command "audit show"/],
      [["accounts", "list", "--limit", "-1"], /^error: --limit/],
      [["accounts", "list", "--before", "bm9wZQ"], /^error: --before: not a cursor this server gave out/],
      [["accounts", "list", "extra"], /^error: unexpected argument "extra"/],
      [["accounts", "show"], /^error: missing ACCOUNT_ID/],
    ] as const) {
      const r = await failsWith(dbOnly, 2, ...args);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).toContain("--help");
    }
    expect(await snapshot()).toEqual(before);
  });
});

/** The billing client's id, read back from the audit log (the first `client.created` named billing). */
function billingIdIn(all: PageJson<AuditJson>): string {
  return all.items.find((e) => e.type === "client.created" && e.detail.name === "billing")!.subject!;
}

describe("--help on the management commands", { timeout: 90_000 }, () => {
  const commands = [
    ["clients", "show"],
    ["clients", "update"],
    ["clients", "enable"],
    ["clients", "disable"],
    ["clients", "delete"],
    ["accounts", "list"],
    ["accounts", "show"],
    ["accounts", "block"],
    ["accounts", "unblock"],
    ["audit", "list"],
  ];

  it("prints usage and changes nothing, even with real arguments around it", async () => {
    const [victim] = await h.db.select().from(clients).where(eq(clients.name, "billing v2"));
    const before = await snapshot();
    for (const cmd of commands) {
      for (const args of [[...cmd, "--help"], [...cmd, "-h"], [...cmd, victim!.id, "--help"], [...cmd, "acct_cli_a", "--name", "x", "--help"]]) {
        const r = await cli(...args);
        expect(r.code, args.join(" ")).toBe(0);
        expect(r.stderr, args.join(" ")).toBe("");
        expect(r.stdout, args.join(" ")).toMatch(new RegExp(`^Usage: authbridge ${cmd.join(" ")}`));
      }
    }
    for (const group of ["audit", "accounts", "clients"]) {
      const r = await cli(group, "--help");
      expect(r.code).toBe(0);
      for (const cmd of commands.filter((c) => c[0] === group)) expect(r.stdout).toContain(cmd.join(" "));
    }
    expect(await snapshot()).toEqual(before);
  });

  it("says what each does: the flags, what is replaced, what goes with a deleted client, what is read", async () => {
    const help = async (...cmd: string[]) => (await cli(...cmd, "--help")).stdout;
    expect(await help("clients", "update")).toMatch(/--name NAME[\s\S]*--scopes "A B"[\s\S]*--redirect-uri URI[\s\S]*--audience AUDIENCE[\s\S]*--grant GRANT[\s\S]*replaces the list/);
    expect(await help("clients", "update")).toMatch(/--id-token-alg ALG[\s\S]*--userinfo-alg ALG[\s\S]*--post-logout-redirect-uri URI/);
    expect(await help("clients", "delete")).toMatch(/API keys/);
    expect(await help("clients", "delete")).toMatch(/AUTHBRIDGE_SECRET/); // opens everything: it writes revocation marks
    expect(await help("accounts", "list")).toMatch(/--query TEXT[\s\S]*--limit N[\s\S]*--before CURSOR/);
    expect(await help("audit", "list")).toMatch(/--type TYPE[\s\S]*--account ACCOUNT_ID[\s\S]*--client CLIENT_ID[\s\S]*--limit N[\s\S]*--before CURSOR/);
    for (const cmd of [["clients", "show"], ["clients", "update"], ["clients", "enable"], ["accounts", "list"], ["audit", "list"]]) {
      expect(await help(...cmd), cmd.join(" ")).toContain("Environment: DATABASE_URL, DATABASE_AUTH_TOKEN (nothing else is read).");
    }
  });

  it("opens nothing: no database, no secret file, even without any configuration", async () => {
    const empty = tempDir("authbridge-cli-admin-help-");
    try {
      for (const cmd of commands) {
        const r = await cliIn(empty.path, base, ...cmd, "--help");
        expect(r.code, cmd.join(" ")).toBe(0);
      }
      expect(readdirSync(empty.path)).toEqual([]);
    } finally {
      empty.remove();
    }
  });
});

describe("what a database-only command hands the services", () => {
  it("the database and a clock; reading anything more is a loud internal error, never an undefined", () => {
    const given = serviceDeps({ db: h.db, deps: undefined, secret: undefined });
    expect(given.db).toBe(h.db);
    expect(given.now()).toBeGreaterThan(0);
    expect(() => given.store).toThrow(/opened only the database, but the service read deps\.store: its spec must say needs: "everything"/);
    expect(() => given.config).toThrow(/deps\.config/);
    // With everything opened, the server's own dependencies pass through unchanged.
    expect(serviceDeps({ db: deps.db, deps, secret: undefined })).toBe(deps);
  });
});

describe("the management commands against sqld and Upstash (what a Workers deployment uses)", { timeout: 90_000 }, () => {
  it("create, update, show, disable, enable, delete, accounts list and audit list, each with only what it needs", async () => {
    const sqld = await startSqld();
    const redis = await startRedis();
    const bridge = await startUpstashBridge({ redisPort: redis.port, token: "cli-admin" });
    const fresh = tempDir("authbridge-cli-admin-sqld-");
    const remoteDb = { ...base, DATABASE_URL: sqld.url };
    // Disabling and deleting write revocation marks: with a remote database, the state store is Upstash.
    const remoteAll = { ...remoteDb, AUTHBRIDGE_SECRET: generateSecret(), UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token };
    const run = (childEnv: Record<string, string>, ...args: string[]) => cliIn(fresh.path, childEnv, ...args);
    const json = async <T>(childEnv: Record<string, string>, ...args: string[]): Promise<T> => {
      const r = await run(childEnv, ...args);
      expect(r.stderr, args.join(" ")).toBe("");
      expect(r.code, args.join(" ")).toBe(0);
      return JSON.parse(r.stdout) as T;
    };
    try {
      const made = await json<ClientJson>(remoteDb, "clients", "create", "--name", "remote", "--grant", "client_credentials", "--id-token-alg", "ES256");
      const id = made.client_id;
      expect(made).toMatchObject({ id_token_signed_response_alg: "ES256", userinfo_signed_response_alg: null, post_logout_redirect_uris: [] });
      expect(await json<ClientJson>(remoteDb, "clients", "update", id, "--name", "remote v2", "--scopes", "a b", "--userinfo-alg", "EdDSA")).toMatchObject({
        name: "remote v2",
        scopes: ["a", "b"],
        id_token_signed_response_alg: "ES256",
        userinfo_signed_response_alg: "EdDSA",
      });
      expect(await json<ClientJson>(remoteDb, "clients", "show", id)).toMatchObject({ client_id: id, name: "remote v2", disabled_at: null, userinfo_signed_response_alg: "EdDSA" });
      // Disabling and enabling answer with the client as it is, its settings included.
      expect(await json<ClientJson>(remoteAll, "clients", "disable", id)).toMatchObject({ disabled_at: expect.any(String), id_token_signed_response_alg: "ES256", userinfo_signed_response_alg: "EdDSA" });
      expect(await json<ClientJson>(remoteDb, "clients", "enable", id)).toMatchObject({ disabled_at: null, id_token_signed_response_alg: "ES256", userinfo_signed_response_alg: "EdDSA" });
      expect(await json(remoteAll, "clients", "delete", id)).toEqual({ client_id: id, deleted: true, api_keys_deleted: [] });
      expect((await run(remoteDb, "clients", "show", id)).code).toBe(1);
      expect(await json(remoteDb, "accounts", "list")).toEqual({ items: [] });
      const audit = await json<PageJson<AuditJson>>(remoteDb, "audit", "list", "--client", id);
      expect(audit.items.map((e) => [e.type, e.actor])).toEqual([
        ["client.deleted", "cli"],
        ["client.enabled", "cli"],
        ["client.disabled", "cli"],
        ["client.updated", "cli"],
        ["client.created", "cli"],
      ]);
      // The database-only commands wrote nothing beside it (no dev secret file, no ./.data).
      expect(readdirSync(fresh.path).filter((f) => f !== ".data")).toEqual([]);
      expect(bridge.commands).toBeGreaterThan(0); // the marks went to the store
    } finally {
      fresh.remove();
      await bridge.stop();
      await redis.stop();
      await sqld.stop();
    }
  });
});
