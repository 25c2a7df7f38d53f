/**
 * `api-keys create | list | revoke` as an operator runs them (`npx authbridge …` = `node bin/authbridge.js`):
 * a real child process per command over one libSQL file. What was written is read back in-process over the
 * same file: the key is stored only as its keyed hash, under the server's secret, and a revocation leaves
 * the state-store mark that ends the access tokens exchanged from the key.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWellFormedApiKey } from "../src/apikeys/format";
import { apiKeyHash } from "../src/apikeys/hash";
import { findApiKeyByHash } from "../src/apikeys/registry";
import { createClient } from "../src/clients/registry";
import { parseConfig } from "../src/config";
import { openDatabase, type DatabaseHandle } from "../src/db/client";
import { accounts, apiKeys, auditEvents } from "../src/db/schema";
import type { AppDeps } from "../src/deps";
import { silentLogger } from "../src/lib/log";
import { decodeSecret, generateSecret } from "../src/lib/secret";
import { buildNodeDeps } from "../src/runtime/node-deps";
import { tempDir } from "./support/temp";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}bin/authbridge.js`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dir = tempDir("authbridge-cli-keys-");
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  DATABASE_URL: `file:${dir.path}/cli.db`,
  AUTHBRIDGE_SECRET: generateSecret(),
};
const secret = decodeSecret(env.AUTHBRIDGE_SECRET)!;

function cliIn(cwd: string, childEnv: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: childEnv, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => cliIn(root, env, ...args);

/** A run that must succeed: its stdout parsed as JSON. */
async function ok<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const r = await cli(...args);
  expect(r.stderr, `stderr of ${args.join(" ")}`).toBe("");
  expect(r.code, `exit code of ${args.join(" ")}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A run that must fail with `code`: nothing on stdout, `error: …` lines on stderr, no stack trace. */
async function fails(code: number, ...args: string[]): Promise<Run> {
  const r = await cli(...args);
  expect(r.code, `exit code of ${args.join(" ")}`).toBe(code);
  expect(r.stdout, args.join(" ")).toBe("");
  expect(r.stderr, args.join(" ")).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return r;
}

let h: DatabaseHandle;
let deps: AppDeps;
let clientId = "";
const ACCOUNT = "acct_cli_keys";
const personal = { id: "", key: "" };
const service = { id: "", key: "" };

const keyRows = async () => h.db.select().from(apiKeys);

beforeAll(async () => {
  expect((await cli("migrate")).code).toBe(0);
  h = openDatabase({ url: env.DATABASE_URL });
  deps = buildNodeDeps(parseConfig({ DATABASE_URL: env.DATABASE_URL, AUTHBRIDGE_SECRET: env.AUTHBRIDGE_SECRET }, "node"), silentLogger);
  // As the server does on its first start: a signing key sealed under its secret (what create checks against).
  await deps.keys.ensureCurrent();
  await h.db.insert(accounts).values({ id: ACCOUNT, kind: "user", displayName: "Ann", createdAt: Date.now(), blockedAt: null });
  clientId = (await createClient(h.db, { name: "deployer", scopes: ["deploy", "logs:read"], grants: ["client_credentials"] })).client.id;
});

afterAll(() => {
  h?.client.close();
  deps?.dbClient.close();
  dir.remove();
});

describe("api-keys in the admin CLI", { timeout: 60_000 }, () => {
  it("create --account makes a personal key: well-formed, shown once, stored only as the hash the server looks up", async () => {
    const before = Date.now();
    const out = await ok("api-keys", "create", "--account", ACCOUNT, "--name", "ci-deploy", "--scopes", "repos:read deploy", "--expires-in", "30d");
    expect(Object.keys(out).slice(0, 2)).toEqual(["id", "key"]);
    expect(out).toMatchObject({ name: "ci-deploy", account_id: ACCOUNT, scopes: ["deploy", "repos:read"], created_by: "cli", revoked_at: null });
    expect(out).not.toHaveProperty("client_id");
    const key = out.key as string;
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(out.hint).toBe(`${key.slice(0, 8)}…${key.slice(-4)}`);
    const expires = Date.parse(out.expires_at as string);
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    personal.id = out.id as string;
    personal.key = key;

    // At rest: the keyed hash under the server's secret, never the key or its random part.
    const rows = await keyRows();
    expect(JSON.stringify(rows)).not.toContain(key.slice(4, 40));
    const found = await findApiKeyByHash(h.db, await apiKeyHash(secret, key));
    expect(found?.key).toMatchObject({ id: personal.id, owner: { kind: "account", accountId: ACCOUNT } });
  });

  it("create --client makes a service key; without --scopes it carries whatever the client has, with no expiry", async () => {
    const out = await ok("api-keys", "create", "--client", clientId, "--name", "nightly");
    expect(out).toMatchObject({ name: "nightly", client_id: clientId, scopes: null, expires_at: null });
    expect(out).not.toHaveProperty("account_id");
    expect(isWellFormedApiKey(out.key as string)).toBe(true);
    expect(out.key).not.toBe(personal.key);
    service.id = out.id as string;
    service.key = out.key as string;
    const found = await findApiKeyByHash(h.db, await apiKeyHash(secret, service.key));
    expect(found?.key.owner).toEqual({ kind: "client", clientId });
  });

  it("--expires-in takes minutes, hours, days and years", async () => {
    for (const [text, seconds] of [["90m", 5400], ["12h", 43_200], ["1y", 365 * 86_400]] as const) {
      const t0 = Date.now();
      const out = await ok("api-keys", "create", "--client", clientId, "--name", `for ${text}`, "--expires-in", text);
      const lifetime = Date.parse(out.expires_at as string) - Date.parse(out.created_at as string);
      expect(lifetime, text).toBe(seconds * 1000);
      expect(Date.parse(out.created_at as string)).toBeGreaterThanOrEqual(t0);
    }
  });

  it("list shows the keys, all or one owner's, never a key or its hash", async () => {
    const all = await cli("api-keys", "list");
    expect(all.code).toBe(0);
    const list = JSON.parse(all.stdout) as Array<Record<string, unknown>>;
    expect(list.map((k) => k.id)).toEqual(expect.arrayContaining([personal.id, service.id]));
    for (const secretText of [personal.key, service.key, personal.key.slice(4, 40), service.key.slice(4, 40)]) expect(all.stdout).not.toContain(secretText);
    for (const k of list) {
      expect(Object.keys(k)).not.toContain("key");
      expect(Object.keys(k)).not.toContain("hash");
    }
    const hashes = (await keyRows()).map((r) => r.hash);
    for (const hash of hashes) expect(all.stdout).not.toContain(hash);

    const mine = await ok<Array<Record<string, unknown>>>("api-keys", "list", "--account", ACCOUNT);
    expect(mine.map((k) => k.id)).toEqual([personal.id]);
    expect(mine[0]).toMatchObject({ name: "ci-deploy", hint: `${personal.key.slice(0, 8)}…${personal.key.slice(-4)}` });
    const theirs = await ok<Array<Record<string, unknown>>>("api-keys", "list", "--client", clientId);
    expect(theirs.map((k) => k.id)).toContain(service.id);
    expect(theirs.every((k) => k.client_id === clientId)).toBe(true);
    expect(await ok("api-keys", "list", "--account", "acct_nobody")).toEqual([]);
  });

  it("refuses bad flags by name (exit 2) and an unknown owner (exit 1), creating nothing", async () => {
    const before = (await keyRows()).length;
    const both = await fails(2, "api-keys", "create", "--account", ACCOUNT, "--client", clientId, "--name", "x");
    expect(both.stderr).toMatch(/^error: --account and --client: give one owner, not both$/m);
    const neither = await fails(2, "api-keys", "create", "--name", "x");
    expect(neither.stderr).toMatch(/^error: --account or --client is required/m);
    expect(neither.stderr).toContain('Run "authbridge api-keys create --help" for usage.');
    for (const bad of ["30", "30 days", "3q", "1.5d", "d"]) {
      const r = await fails(2, "api-keys", "create", "--account", ACCOUNT, "--name", "x", "--expires-in", bad);
      expect(r.stderr, bad).toContain(`error: --expires-in ${JSON.stringify(bad)}: expected a number and a unit`);
    }
    expect((await fails(2, "api-keys", "create", "--account", ACCOUNT, "--name", "x", "--expires-in", "11y")).stderr).toMatch(/^error: --expires-in "11y": at most 10 years$/m);
    expect((await fails(2, "api-keys", "create", "--account", ACCOUNT, "--name", "x", "--expires-in", "0m")).stderr).toMatch(/^error: --expires-in "0m": at least 1 minute$/m);
    expect((await fails(2, "api-keys", "create", "--account", ACCOUNT, "--name", "x", "--scopes", " ")).stderr).toMatch(/^error: --scopes: give at least one scope/m);
    expect((await fails(2, "api-keys", "create", "--account", ACCOUNT, "--name", "x", "--scopes", 'ok "quoted"')).stderr).toMatch(/^error: --scopes "\\"quoted\\"": scope tokens/m);
    expect((await fails(2, "api-keys", "create", "--account", ACCOUNT, "--name", " ")).stderr).toMatch(/^error: --name: a name is required$/m);
    expect((await fails(2, "api-keys", "create", "--account", ACCOUNT)).stderr).toMatch(/^error: --name is required$/m);
    expect((await fails(2, "api-keys", "list", "--account", ACCOUNT, "--client", clientId)).stderr).toMatch(/^error: --account and --client/m);
    expect((await fails(2, "api-keys", "revoke")).stderr).toMatch(/^error: missing KEY_ID$/m);

    const unknownAccount = await fails(1, "api-keys", "create", "--account", "acct_nobody", "--name", "x");
    expect(unknownAccount.stderr.trim()).toBe("error: --account acct_nobody: no such account");
    const unknownClient = await fails(1, "api-keys", "create", "--client", "client_nobody", "--name", "x");
    expect(unknownClient.stderr.trim()).toBe("error: --client client_nobody: no such client");
    expect((await keyRows()).length).toBe(before);
  });

  it("create under another AUTHBRIDGE_SECRET refuses: the key would be refused at every use", async () => {
    const before = (await keyRows()).length;
    const r = await cliIn(root, { ...env, AUTHBRIDGE_SECRET: generateSecret() }, "api-keys", "create", "--account", ACCOUNT, "--name", "x");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: .*is AUTHBRIDGE_SECRET the server's\?$/m);
    expect((await keyRows()).length).toBe(before);
  });

  it("revoke marks the key revoked and writes the mark that ends its exchanged tokens", async () => {
    const out = await ok("api-keys", "revoke", personal.id);
    expect(out).toMatchObject({ id: personal.id, name: "ci-deploy", account_id: ACCOUNT });
    expect(out.revoked_at).toEqual(expect.any(String));
    expect(JSON.stringify(out)).not.toContain(personal.key);
    const [row] = await h.db.select().from(apiKeys).where(eq(apiKeys.id, personal.id));
    expect(row!.revokedAt).toBe(Date.parse(out.revoked_at as string));
    expect(await deps.store.newestMark([{ kind: "family", id: personal.id }])).toBe(row!.revokedAt);
    // Again: nothing changes, the first time stays.
    expect((await ok("api-keys", "revoke", personal.id)).revoked_at).toBe(out.revoked_at);
    const listed = await ok<Array<Record<string, unknown>>>("api-keys", "list", "--account", ACCOUNT);
    expect(listed[0]!.revoked_at).toBe(out.revoked_at);
    expect((await fails(1, "api-keys", "revoke", "key_nope")).stderr.trim()).toBe("error: no API key key_nope");
  });

  it("audit: created and revoked, with the key's id and name, never the key", async () => {
    const events = await h.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    const mine = events.filter((e) => e.subject === ACCOUNT);
    expect(mine.map((e) => e.type)).toEqual(["api_key.created", "api_key.revoked"]);
    expect(mine.map((e) => e.actor)).toEqual(["cli", "cli"]);
    expect(JSON.stringify(mine)).toContain(personal.id);
    const all = JSON.stringify(events);
    for (const k of [personal.key, service.key]) expect(all).not.toContain(k.slice(4, 40));
  });

  it("--help on each api-keys command prints usage and does nothing", async () => {
    const before = JSON.stringify(await keyRows());
    const audit = (await h.db.select().from(auditEvents)).length;
    for (const args of [
      ["api-keys", "--help"],
      ["api-keys", "create", "--help"],
      ["api-keys", "create", "--account", ACCOUNT, "--name", "x", "-h"],
      ["api-keys", "list", "--help"],
      ["api-keys", "revoke", "--help"],
      ["api-keys", "revoke", service.id, "--help"],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stderr, args.join(" ")).toBe("");
      expect(r.stdout, args.join(" ")).toMatch(/^Usage: authbridge api-keys /);
    }
    expect((await cli("api-keys", "create", "--help")).stdout).toMatch(/--account ACCOUNT_ID[\s\S]*--client CLIENT_ID[\s\S]*--expires-in DURATION/);
    expect((await cli("--help")).stdout).toMatch(/api-keys create[\s\S]*api-keys list[\s\S]*api-keys revoke/);
    expect(JSON.stringify(await keyRows())).toBe(before);
    expect((await h.db.select().from(auditEvents)).length).toBe(audit);
    // The service key is still live.
    expect((await h.db.select().from(apiKeys).where(eq(apiKeys.id, service.id)))[0]!.revokedAt).toBeNull();
  });

  it("--help opens nothing, even with no configuration at all", async () => {
    const empty = tempDir("authbridge-cli-keys-help-");
    try {
      for (const cmd of ["create", "list", "revoke"]) {
        const r = await cliIn(empty.path, { PATH: env.PATH, HOME: env.HOME }, "api-keys", cmd, "--help");
        expect(r.code, cmd).toBe(0);
      }
      expect(readdirSync(empty.path)).toEqual([]);
    } finally {
      empty.remove();
    }
  });

  it("list needs only DATABASE_URL; create reads AUTHBRIDGE_SECRET too and says so when it is missing", async () => {
    const dbOnly = { PATH: env.PATH, HOME: env.HOME, DATABASE_URL: env.DATABASE_URL, AUTHBRIDGE_ISSUER: "https://auth.example.com" };
    const listed = await cliIn(dir.path, dbOnly, "api-keys", "list", "--client", clientId);
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    const r = await cliIn(dir.path, dbOnly, "api-keys", "create", "--client", clientId, "--name", "x");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/AUTHBRIDGE_SECRET: required/);
  });
});
