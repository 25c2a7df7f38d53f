/**
 * The admin CLI as an operator runs it (`npx authbridge <args>` = `node bin/authbridge.js <args>`):
 * a real child process per command over one libSQL file, JSON on stdout, a message and a non-zero exit on
 * error. Effects are checked in-process over the same file, and over HTTP through the real app.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { authenticateClient } from "../src/clients/authenticate";
import { createClient, findClient, listClients } from "../src/clients/registry";
import { parseConfig } from "../src/config";
import { openDatabase, type DatabaseHandle } from "../src/db/client";
import { accounts, auditEvents, clients, signingKeys } from "../src/db/schema";
import type { AppDeps } from "../src/deps";
import { silentLogger } from "../src/lib/log";
import { generateSecret } from "../src/lib/secret";
import { buildNodeDeps } from "../src/runtime/node-deps";
import { startSqld } from "./support/sqld";
import { tempDir } from "./support/temp";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}bin/authbridge.js`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dir = tempDir("authbridge-cli-");
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  DATABASE_URL: `file:${dir.path}/cli.db`,
  AUTHBRIDGE_SECRET: generateSecret(),
};

/** Run the CLI with `args`, as `npx authbridge …args` does, from the repo root. */
function cli(...args: string[]): Promise<Run> {
  return cliWith(env, ...args);
}

function cliWith(childEnv: Record<string, string>, ...args: string[]): Promise<Run> {
  return cliIn(root, childEnv, ...args);
}

function cliIn(cwd: string, childEnv: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: childEnv, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A run that must succeed: its stdout parsed as JSON. */
async function ok<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const r = await cli(...args);
  expect(r.stderr, `stderr of ${args.join(" ")}`).toBe("");
  expect(r.code, `exit code of ${args.join(" ")}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A run that must fail: non-zero exit, nothing on stdout, a one-message stderr without a stack trace. */
async function fails(...args: string[]): Promise<Run> {
  const r = await cli(...args);
  expect(r.code, `exit code of ${args.join(" ")}`).not.toBe(0);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim()).not.toBe("");
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return r;
}

let h: DatabaseHandle;
let deps: AppDeps;
let app: ReturnType<typeof createApp>;

const confidential = { id: "", secret: "", rotated: "" };
let publicId = "";

beforeAll(() => {
  // The file is created by the first CLI run; the in-process handles open lazily on the same file.
  h = openDatabase({ url: env.DATABASE_URL });
  deps = buildNodeDeps(parseConfig({ DATABASE_URL: env.DATABASE_URL, AUTHBRIDGE_SECRET: env.AUTHBRIDGE_SECRET }, "node"), silentLogger);
  app = createApp(deps);
});

afterAll(() => {
  h?.client.close();
  deps?.dbClient.close();
  dir.remove();
});

async function clientCredentials(id: string, secret: string) {
  return app.request("/token", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`,
    },
    body: "grant_type=client_credentials",
  });
}

describe("authbridge admin CLI", { timeout: 60_000 }, () => {
  it("migrate applies the migrations and says so", async () => {
    expect(await ok("migrate")).toEqual({ migrated: true });
    const tables = await h.client.execute("select name from sqlite_master where type = 'table'");
    const names = tables.rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["clients", "audit_events", "signing_keys", "accounts"]));
  });

  it("clients create makes a confidential client and shows a ≥ 256-bit secret once", async () => {
    const out = await ok("clients", "create", "--name", "billing", "--scopes", "invoices:read invoices:write", "--grant", "client_credentials");
    expect(out.client_id).toMatch(/^client_/);
    expect(out.client_secret).toMatch(/^secret_[A-Za-z0-9_-]{43,}$/);
    expect(out).toMatchObject({ name: "billing", public: false, grants: ["client_credentials"], scopes: ["invoices:read", "invoices:write"] });
    expect(JSON.stringify(out)).not.toMatch(/secretHash|secret_hash|"v1:/);
    confidential.id = out.client_id as string;
    confidential.secret = out.client_secret as string;
    // Kept only as a hash.
    const [row] = await h.db.select().from(clients).where(eq(clients.id, confidential.id));
    expect(row!.secretHash).toMatch(/^v1:/);
    expect(row!.secretHash).not.toContain(confidential.secret.slice("secret_".length));
  });

  it("clients create --public makes a client without a secret", async () => {
    const out = await ok("clients", "create", "--name", "web", "--public", "--redirect-uri", "http://127.0.0.1:9999/cb");
    expect(out.client_id).toMatch(/^client_/);
    expect(out).not.toHaveProperty("client_secret");
    expect(out).toMatchObject({ public: true, redirect_uris: ["http://127.0.0.1:9999/cb"], grants: ["authorization_code", "refresh_token"] });
    publicId = out.client_id as string;
  });

  it("clients list shows both, never a secret or its hash", async () => {
    const r = await cli("clients", "list");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.map((c) => c.client_id)).toEqual([confidential.id, publicId]);
    expect(list.map((c) => c.name)).toEqual(["billing", "web"]);
    expect(r.stdout).not.toContain(confidential.secret);
    expect(r.stdout).not.toContain(confidential.secret.slice("secret_".length));
    expect(r.stdout).not.toMatch(/secret/i); // no client_secret, secretHash, secret_hash field
    expect(r.stdout).not.toContain('"v1:');
    for (const c of list) expect(Object.keys(c)).not.toContain("secretHash");
  });

  it("clients rotate-secret gives a new secret; the old one stops working at once", async () => {
    expect((await clientCredentials(confidential.id, confidential.secret)).status).toBe(200);
    const out = await ok("clients", "rotate-secret", confidential.id);
    expect(out.client_id).toBe(confidential.id);
    expect(out.client_secret).toMatch(/^secret_[A-Za-z0-9_-]{43,}$/);
    expect(out.client_secret).not.toBe(confidential.secret);
    confidential.rotated = out.client_secret as string;

    const form = (secret: string) => ({ client_id: confidential.id, client_secret: secret });
    const byId = (id: string) => findClient(h.db, id);
    await expect(authenticateClient(byId, undefined, form(confidential.secret))).rejects.toMatchObject({ code: "invalid_client" });
    await expect(authenticateClient(byId, undefined, form(confidential.rotated))).resolves.toMatchObject({
      client: { id: confidential.id },
      method: "client_secret_post",
    });
    const old = await clientCredentials(confidential.id, confidential.secret);
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: "invalid_client" });
    expect((await clientCredentials(confidential.id, confidential.rotated)).status).toBe(200);
  });

  it("clients rotate-secret refuses a public client", async () => {
    const r = await fails("clients", "rotate-secret", publicId);
    expect(r.stderr).toMatch(/public/);
  });

  it("clients disable: the client's client_credentials grant then gets 401 invalid_client", async () => {
    const out = await ok("clients", "disable", confidential.id);
    expect(out).toMatchObject({ client_id: confidential.id });
    expect(out.disabled_at).toEqual(expect.any(String));
    expect(out).not.toHaveProperty("secretHash");
    const res = await clientCredentials(confidential.id, confidential.rotated);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
  });

  it("keys rotate makes a new current key and keeps the previous ones published", async () => {
    const first = await ok<{ current: string; published: string[] }>("keys", "rotate");
    const second = await ok<{ current: string; published: string[] }>("keys", "rotate");
    expect(second.current).not.toBe(first.current);
    expect(second.published[0]).toBe(second.current);
    expect(second.published).toEqual(expect.arrayContaining([second.current, first.current]));
    expect(first.published).toContain(first.current);
    // The key the app signed with before the rotations (created on its first token) is still published.
    const rows = await h.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
    expect(rows.filter((k) => k.retiredAt === null).map((k) => k.kid)).toEqual([second.current]);
    expect(second.published).toEqual(expect.arrayContaining(rows.map((k) => k.kid)));
    // JWKS of a fresh app over the same database publishes the same set, never a private part.
    const fresh = buildNodeDeps(parseConfig({ DATABASE_URL: env.DATABASE_URL, AUTHBRIDGE_SECRET: env.AUTHBRIDGE_SECRET }, "node"), silentLogger);
    try {
      const jwks = (await (await createApp(fresh).request("/.well-known/jwks.json")).json()) as { keys: Array<Record<string, unknown>> };
      expect(jwks.keys.map((k) => k.kid)).toEqual(second.published);
      for (const k of jwks.keys) expect(k).not.toHaveProperty("d");
      // The server (same AUTHBRIDGE_SECRET) signs with the new current key.
      const c = await createClient(fresh.db, { name: "after-rotation", scopes: ["a"] });
      const res = await createApp(fresh).request("/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: c.client.id, client_secret: c.secret! }).toString(),
      });
      expect(res.status).toBe(200);
      const { access_token } = (await res.json()) as { access_token: string };
      expect(JSON.parse(Buffer.from(access_token.split(".")[0]!, "base64url").toString())).toMatchObject({ kid: second.current, typ: "at+jwt" });
    } finally {
      fresh.dbClient.close();
    }
  });

  it("keys rotate under another AUTHBRIDGE_SECRET refuses instead of adding a key the server cannot open", async () => {
    const before = await h.db.select().from(signingKeys);
    const r = await cliWith({ ...env, AUTHBRIDGE_SECRET: generateSecret() }, "keys", "rotate");
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/AUTHBRIDGE_SECRET/);
    expect(await h.db.select().from(signingKeys)).toEqual(before);
  });

  it("accounts block on a missing account fails with a message and prints nothing", async () => {
    const r = await fails("accounts", "block", "acct_x");
    // The CLI's one style: lower-case, no trailing period, naming what was not found.
    expect(r.stderr.trim()).toBe("error: no account acct_x");
    expect((await fails("accounts", "unblock", "acct_x")).stderr.trim()).toBe("error: no account acct_x");
  });

  it("accounts block on an existing account blocks it and revokes what it holds", async () => {
    const now = Date.now();
    await h.db.insert(accounts).values({ id: "acct_cli_block", kind: "user", displayName: "Ann", createdAt: now - 60_000, blockedAt: null });
    const r = await cli("accounts", "block", "acct_cli_block");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ account_id: "acct_cli_block" });
    // A security event: logged at warn on stderr, stdout stays the JSON answer alone.
    expect(r.stderr).toMatch(/"level":"warn".*account blocked.*"account_id":"acct_cli_block"/);
    const [row] = await h.db.select().from(accounts).where(eq(accounts.id, "acct_cli_block"));
    expect(row!.blockedAt).toEqual(expect.any(Number));
    // One revocation mark covering everything issued to the account before the block.
    const mark = await deps.store.newestMark([{ kind: "account", id: "acct_cli_block" }]);
    expect(mark).not.toBeNull();
  });

  it("an unknown command fails and lists the commands", async () => {
    const r = await fails("clients", "frobnicate");
    expect(r.code).toBe(2);
    for (const name of ["migrate", "clients create", "clients list", "clients disable", "clients rotate-secret", "keys rotate", "accounts block", "accounts unblock"])
      expect(r.stderr).toContain(name);
  });

  it("a bad option fails without doing anything", async () => {
    const before = (await h.db.select().from(clients)).length;
    const r = await fails("clients", "create", "--name", "x", "--bogus");
    expect(r.stderr).toMatch(/bogus/);
    expect((await h.db.select().from(clients)).length).toBe(before);
  });

  it("recorded audit events for client created, secret rotated, disabled and account blocked", async () => {
    const events = await h.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    const of = (subject: string) => events.filter((e) => e.subject === subject).map((e) => e.type);
    expect(of(confidential.id)).toEqual(["client.created", "client.secret_rotated", "client.disabled"]);
    expect(of(publicId)).toEqual(["client.created"]);
    expect(of("acct_cli_block")).toEqual(["account.blocked"]);
    const all = JSON.stringify(events);
    for (const s of [confidential.secret, confidential.rotated]) {
      expect(all).not.toContain(s);
      expect(all).not.toContain(s.slice("secret_".length));
    }
    expect(all).not.toContain('"v1:');
  });
});

describe("a CLI that is safe and self-describing", { timeout: 60_000 }, () => {
  const currentKid = async () => (await h.db.select().from(signingKeys)).filter((k) => k.retiredAt === null).map((k) => k.kid);

  it("--help on the CLI and on every command prints usage, changes nothing, and keeps the current key", async () => {
    await ok("keys", "rotate"); // there is a current key to keep
    const kidBefore = await currentKid();
    const clientsBefore = (await h.db.select().from(clients)).length;
    const keysBefore = (await h.db.select().from(signingKeys)).length;
    for (const args of [["--help"], ["-h"], ["clients", "--help"], ["clients", "create", "--help"], ["keys", "rotate", "--help"], ["keys", "rotate", "-h"], ["clients", "create", "--name", "x", "--help"], ["accounts", "block", "acct_x", "--help"], ["migrate", "--help"]]) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stderr, args.join(" ")).toBe("");
      expect(r.stdout).toMatch(/^Usage: authbridge /);
    }
    expect((await cli("clients", "create", "--help")).stdout).toMatch(/--redirect-uri URI[\s\S]*--introspect AUDIENCE/);
    expect(await currentKid()).toEqual(kidBefore);
    expect((await h.db.select().from(signingKeys)).length).toBe(keysBefore);
    expect((await h.db.select().from(clients)).length).toBe(clientsBefore);
  });

  it("--help opens nothing: no database, no secret file, even without any configuration", async () => {
    const empty = tempDir("authbridge-cli-help-");
    try {
      const r = await cliIn(empty.path, { PATH: env.PATH, HOME: env.HOME }, "keys", "rotate", "--help");
      expect(r.code).toBe(0);
      const { readdirSync } = await import("node:fs");
      expect(readdirSync(empty.path)).toEqual([]);
    } finally {
      empty.remove();
    }
  });

  it("errors name the flag as typed, never an internal field, and change nothing", async () => {
    const before = (await h.db.select().from(clients)).length;
    const r = await fails("clients", "create", "--name", "x", "--redirect-uri", "https://ok.example/cb", "--redirect-uri", "http://evil.example/cb", "--grant", "password");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --redirect-uri "http:\/\/evil.example\/cb": must be https/m);
    expect(r.stderr).toMatch(/^error: --grant "password": unknown grant type/m);
    expect(r.stderr).not.toMatch(/redirectUris|grants\.0|\.0/);
    for (const bad of [
      ["clients", "create"],
      ["clients", "create", "--name"],
      ["clients", "create", "--name", "a", "--name", "b"],
      ["clients", "create", "--name", "--public"],
      ["clients", "create", "--name", "x", "stray"],
      ["clients", "list", "extra"],
      ["accounts", "block"],
      ["accounts", "block", "acct_a", "acct_b"],
      ["keys", "rotate", "--force"],
    ]) {
      const res = await fails(...bad);
      expect(res.code, bad.join(" ")).toBe(2);
      expect(res.stderr, bad.join(" ")).toMatch(/^error: (--|unknown option --|unexpected argument|missing )/);
      expect(res.stderr).toContain("--help");
    }
    expect((await h.db.select().from(clients)).length).toBe(before);
  });

  it("migrate needs only DATABASE_URL: no secret, no state store, nothing written beside the database", async () => {
    const fresh = tempDir("authbridge-cli-migrate-");
    try {
      const r = await cliIn(fresh.path, { PATH: env.PATH, HOME: env.HOME, DATABASE_URL: `file:${fresh.path}/only.db` }, "migrate");
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({ migrated: true });
      const { readdirSync } = await import("node:fs");
      expect(readdirSync(fresh.path).filter((f) => !f.startsWith("only.db"))).toEqual([]);
    } finally {
      fresh.remove();
    }
  });

  it("migrate against sqld (the remote libSQL Workers use) with only the database variables set", async () => {
    const sqld = await startSqld();
    const fresh = tempDir("authbridge-cli-sqld-");
    try {
      const r = await cliIn(fresh.path, { PATH: env.PATH, HOME: env.HOME, DATABASE_URL: sqld.url }, "migrate");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ migrated: true });
      // The schema is there: the tables the server needs answer.
      const { db, client } = openDatabase({ url: sqld.url });
      try {
        expect(await listClients(db)).toEqual([]);
      } finally {
        client.close();
      }
    } finally {
      fresh.remove();
      await sqld.stop();
    }
  });

  it("starts quickly (the built CLI, not TypeScript compiled per call)", async () => {
    await cli("--help"); // builds if the sources changed
    const t0 = performance.now();
    await ok("clients", "list");
    // Generous for a loaded CI machine; measured ≈ 0.4 s CPU (BENCHMARKS.md).
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
