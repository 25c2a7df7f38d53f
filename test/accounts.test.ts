import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { ExternalIdentity, ProviderFacts } from "../src/domain";
import { blockAccount, getAccount, unblockAccount } from "../src/accounts/accounts";
import { deriveAndStoreEntitlements, getEntitlements } from "../src/accounts/entitlements";
import { AccountError, type AccountErrorCode } from "../src/accounts/errors";
import { identityTokens, markIdentityStale, storeFacts } from "../src/accounts/facts";
import { listIdentities, openProviderTokens, resolveLogin, unlinkIdentity } from "../src/accounts/identities";
import { accounts, auditEvents, entitlements, identities } from "../src/db/schema";
import { deriveKey, generateSecret, decodeSecret } from "../src/lib/secret";
import { parseRules } from "../src/rules/schema";
import { openDatabase } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { tempDatabase } from "./support/database";
import { startSqld } from "./support/sqld";

const sealKey = await deriveKey(decodeSecret(generateSecret())!, "provider-token-encryption");
const NOW = 1_700_000_000_000;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function setup() {
  const dbh = await tempDatabase();
  cleanups.push(dbh.remove);
  return dbh;
}

function githubUser(over: Partial<ExternalIdentity> = {}): ExternalIdentity {
  return {
    provider: "github",
    subject: "583231",
    username: "octocat",
    email: "octo@example.com",
    emailVerified: true,
    facts: { provider: "github", orgs: ["acme"], teams: [] },
    tokens: { accessToken: "gho_SECRET_ACCESS_TOKEN_123", scope: "read:org" },
    ...over,
  };
}

function discordUser(over: Partial<ExternalIdentity> = {}): ExternalIdentity {
  return {
    provider: "discord",
    subject: "80351110224678912",
    username: "nelly",
    email: "octo@example.com",
    emailVerified: true,
    facts: { provider: "discord", guilds: ["81384788765712384"], roles: { "81384788765712384": ["41771983423143937"] } },
    ...over,
  };
}

const login = (now = NOW) => ({ intent: "login" as const, sealKey, now });
const link = (sessionAccountId: string | undefined, now = NOW) => ({ intent: "link" as const, sessionAccountId, sealKey, now });

async function refused(p: Promise<unknown>, code: AccountErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccountError);
  expect((err as AccountError).code).toBe(code);
}

describe("resolveLogin", () => {
  it("audits account creation, linking and unlinking — and not a refused unlink", async () => {
    const { db } = await setup();
    const { accountId } = await resolveLogin(db, githubUser(), login());
    const linked = await resolveLogin(db, discordUser(), link(accountId, NOW + 1));
    await unlinkIdentity(db, accountId, linked.identityId, NOW + 2);
    const [onlyLeft] = await listIdentities(db, accountId);
    await refused(unlinkIdentity(db, accountId, onlyLeft!.id, NOW + 3), "last_identity");
    const events = await db.select().from(auditEvents).orderBy(auditEvents.id);
    const mine = events.filter((e) => e.subject === accountId && e.type !== "entitlements.changed");
    expect(mine.map((e) => e.type)).toEqual(["account.created", "identity.linked", "identity.unlinked"]);
    expect(JSON.parse(mine[2]!.detail)).toEqual({ identity: linked.identityId });
  });

  it("creates an account on the first login and returns it on the next, even after a username change", async () => {
    const { db } = await setup();
    const first = await resolveLogin(db, githubUser(), login());
    expect(first).toMatchObject({ created: true, linked: false, kind: "user" });
    expect(first.accountId).toMatch(/^acct_/);
    expect(first.identityId).toMatch(/^idn_/);

    const renamed = githubUser({ username: "octocat-renamed", avatar: "https://a/x.png", facts: { provider: "github", orgs: ["acme", "new"], teams: [] } });
    const again = await resolveLogin(db, renamed, login(NOW + 1000));
    expect(again).toEqual({ accountId: first.accountId, identityId: first.identityId, kind: "user", created: false, linked: false });

    const [idn, ...rest] = await listIdentities(db, first.accountId);
    expect(rest).toEqual([]);
    expect(idn).toMatchObject({ username: "octocat-renamed", avatar: "https://a/x.png", factsUpdatedAt: NOW + 1000, facts: renamed.facts });
    expect(await db.select().from(accounts)).toHaveLength(1);
  });

  it("never merges by email: the same verified email on two providers gives two accounts", async () => {
    const { db } = await setup();
    const a = await resolveLogin(db, githubUser(), login());
    const b = await resolveLogin(db, discordUser(), login());
    expect(b.created).toBe(true);
    expect(b.accountId).not.toBe(a.accountId);
    // nor by username
    const sameName = githubUser({ subject: "999", username: "octocat" });
    const c = await resolveLogin(db, sameName, login());
    expect(new Set([a.accountId, b.accountId, c.accountId]).size).toBe(3);
  });

  it("creates bot accounts when asked", async () => {
    const { db } = await setup();
    const bot = await resolveLogin(db, githubUser({ subject: "installation:1" }), { ...login(), kind: "bot" });
    expect(bot.kind).toBe("bot");
    expect((await getAccount(db, bot.accountId))?.kind).toBe("bot");
  });

  it("links a new identity to the signed-in account", async () => {
    const { db } = await setup();
    const { accountId } = await resolveLogin(db, githubUser(), login());
    const linked = await resolveLogin(db, discordUser(), link(accountId, NOW + 1));
    expect(linked).toMatchObject({ accountId, created: false, linked: true });
    expect((await listIdentities(db, accountId)).map((i) => i.provider)).toEqual(["github", "discord"]);
    // linking an identity that is already on this account just refreshes it
    const relinked = await resolveLogin(db, discordUser({ username: "nelly2" }), link(accountId));
    expect(relinked).toMatchObject({ accountId, identityId: linked.identityId, created: false, linked: false });
    // and a later plain login with it lands on the same account
    expect((await resolveLogin(db, discordUser(), login())).accountId).toBe(accountId);
  });

  it("refuses an identity linked elsewhere and changes nothing", async () => {
    const { db } = await setup();
    const a = await resolveLogin(db, githubUser(), login());
    const b = await resolveLogin(db, discordUser(), login());
    const before = await db.select().from(identities).orderBy(identities.id);
    await refused(resolveLogin(db, discordUser({ username: "changed" }), link(a.accountId, NOW + 5)), "identity_linked_elsewhere");
    expect(await db.select().from(identities).orderBy(identities.id)).toEqual(before);
    expect((await listIdentities(db, b.accountId)).map((i) => i.provider)).toEqual(["discord"]);
    expect(await db.select().from(accounts)).toHaveLength(2);
  });

  it("refuses to link without a session", async () => {
    const { db } = await setup();
    await refused(resolveLogin(db, githubUser(), link(undefined)), "link_requires_session");
    await refused(resolveLogin(db, githubUser(), link("")), "link_requires_session");
    expect(await db.select().from(identities)).toEqual([]);
    expect(await db.select().from(accounts)).toEqual([]);
  });

  it("refuses blocked accounts, on login and as a link target, until unblocked", async () => {
    const { db } = await setup();
    const { accountId } = await resolveLogin(db, githubUser(), login());
    expect(await blockAccount(db, accountId, NOW + 1, "cli")).toEqual({ blockedAt: NOW + 1, changed: true });
    expect(await blockAccount(db, accountId, NOW + 2, "cli")).toEqual({ blockedAt: NOW + 1, changed: false });
    await refused(resolveLogin(db, githubUser(), login()), "account_blocked");
    await refused(resolveLogin(db, discordUser(), link(accountId)), "account_blocked");
    expect(await db.select().from(identities)).toHaveLength(1);

    expect(await unblockAccount(db, accountId, NOW + 3, "cli")).toEqual({ blockedAt: null, changed: true });
    expect((await resolveLogin(db, githubUser(), login())).accountId).toBe(accountId);
    const audit = await db.select().from(auditEvents).orderBy(auditEvents.id);
    expect(audit.map((e) => [e.type, e.subject, e.actor])).toEqual([
      ["account.created", accountId, null],
      ["account.blocked", accountId, "cli"],
      ["account.unblocked", accountId, "cli"],
    ]);
    await refused(blockAccount(db, "acct_missing", NOW), "not_found");
    await expect(unblockAccount(db, "acct_missing", NOW)).rejects.toThrow(/^no account acct_missing$/);
  });

  it("stores provider tokens sealed, never in clear", async () => {
    const dbh = await setup();
    const { identityId } = await resolveLogin(dbh.db, githubUser(), login());
    const raw = await dbh.client.execute("select * from identities");
    expect(JSON.stringify(raw.rows)).not.toContain("gho_SECRET_ACCESS_TOKEN_123");
    const [row] = await dbh.db.select().from(identities).where(eq(identities.id, identityId));
    expect(row?.tokensEnc).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/); // compact JWE, dir
    expect(await openProviderTokens(sealKey, row?.tokensEnc)).toEqual({ accessToken: "gho_SECRET_ACCESS_TOKEN_123", scope: "read:org" });
    expect(await identityTokens(dbh.db, sealKey, identityId)).toEqual({ accessToken: "gho_SECRET_ACCESS_TOKEN_123", scope: "read:org" });
    // another key cannot open it
    const otherKey = await deriveKey(decodeSecret(generateSecret())!, "provider-token-encryption");
    await expect(openProviderTokens(otherKey, row?.tokensEnc)).rejects.toThrow();
    // a login without tokens keeps the stored ones; a stale identity's rejected tokens are dropped
    await resolveLogin(dbh.db, githubUser({ tokens: undefined }), login());
    expect(await identityTokens(dbh.db, sealKey, identityId)).not.toBeNull();
    await markIdentityStale(dbh.db, identityId, NOW + 10);
    await resolveLogin(dbh.db, githubUser({ tokens: undefined }), login());
    expect(await identityTokens(dbh.db, sealKey, identityId)).toBeNull();
    expect((await listIdentities(dbh.db, (await getAccount(dbh.db, (row?.accountId)!))!.id))[0]?.staleAt).toBeNull();
  });
});

describe("concurrent first logins", () => {
  // Without tokens to seal, the 20 calls run in lockstep: all read "unknown identity" before any inserts,
  // so 19 of them lose the unique-index race (with tokens, sealing staggers them instead).
  it.each([
    ["without tokens", undefined],
    ["with tokens", { accessToken: "gho_x" }],
  ])("20 parallel first logins of one identity create exactly one account (%s)", async (_name, tokens) => {
    const { db } = await setup();
    const identity = githubUser({ tokens });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => resolveLogin(db, identity, login(NOW + i))));
    expect(new Set(results.map((r) => r.accountId)).size).toBe(1);
    expect(new Set(results.map((r) => r.identityId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await db.select().from(accounts)).toHaveLength(1); // no orphan from the losers
    expect(await db.select().from(identities)).toHaveLength(1);
  });

  it("two clients on the same file agree on one account", async () => {
    const dbh = await setup();
    const other = dbh.reopen();
    cleanups.unshift(() => other.client.close());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => resolveLogin(i % 2 ? dbh.db : other.db, discordUser(), login(NOW + i))),
    );
    expect(new Set(results.map((r) => r.accountId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await dbh.db.select().from(accounts)).toHaveLength(1);
    expect(await other.db.select().from(identities)).toHaveLength(1);
  });

  it("over the remote protocol (sqld, as on Workers) too", async () => {
    const sqld = await startSqld();
    const handles = [openDatabase({ url: sqld.url }), openDatabase({ url: sqld.url })];
    try {
      await applyMigrations(handles[0]!.db);
      const identity = githubUser({ tokens: undefined });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => resolveLogin(handles[i % 2]!.db, identity, login(NOW + i))));
      expect(new Set(results.map((r) => r.accountId)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await handles[0]!.db.select().from(accounts)).toHaveLength(1);
    } finally {
      handles.forEach((h) => h.client.close());
      await sqld.stop();
    }
  });

  it("parallel links of one new identity to two accounts: one wins, the other is refused", async () => {
    const { db } = await setup();
    const a = await resolveLogin(db, githubUser(), login());
    const b = await resolveLogin(db, githubUser({ subject: "2" }), login());
    const outcomes = await Promise.allSettled([resolveLogin(db, discordUser(), link(a.accountId)), resolveLogin(db, discordUser(), link(b.accountId))]);
    const ok = outcomes.filter((o) => o.status === "fulfilled");
    const bad = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(bad).toHaveLength(1);
    expect((bad[0]?.reason as AccountError).code).toBe("identity_linked_elsewhere");
    expect(await db.select().from(identities).where(eq(identities.provider, "discord"))).toHaveLength(1);
  });
});

describe("unlinkIdentity", () => {
  it("removes a linked identity but never the last one", async () => {
    const { db } = await setup();
    const gh = await resolveLogin(db, githubUser(), login());
    const dc = await resolveLogin(db, discordUser(), link(gh.accountId));
    await unlinkIdentity(db, gh.accountId, dc.identityId, NOW);
    expect((await listIdentities(db, gh.accountId)).map((i) => i.id)).toEqual([gh.identityId]);
    await refused(unlinkIdentity(db, gh.accountId, gh.identityId, NOW), "last_identity");
    expect(await listIdentities(db, gh.accountId)).toHaveLength(1);
    // the unlinked identity is free again: logging in with it makes a new account
    expect((await resolveLogin(db, discordUser(), login())).created).toBe(true);
  });

  it("refuses an identity of another account", async () => {
    const { db } = await setup();
    const a = await resolveLogin(db, githubUser(), login());
    await resolveLogin(db, githubUser({ subject: "2" }), link(a.accountId));
    const b = await resolveLogin(db, discordUser(), login());
    await refused(unlinkIdentity(db, a.accountId, b.identityId, NOW), "not_found");
    await refused(unlinkIdentity(db, a.accountId, "idn_missing", NOW), "not_found");
    expect(await listIdentities(db, b.accountId)).toHaveLength(1);
  });

  it("two concurrent unlinks cannot remove both of the last two identities", async () => {
    const { db } = await setup();
    const gh = await resolveLogin(db, githubUser(), login());
    const dc = await resolveLogin(db, discordUser(), link(gh.accountId));
    const outcomes = await Promise.allSettled([unlinkIdentity(db, gh.accountId, gh.identityId, NOW), unlinkIdentity(db, gh.accountId, dc.identityId, NOW)]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(await listIdentities(db, gh.accountId)).toHaveLength(1);
  });
});

describe("entitlements", () => {
  const rules = parseRules(
    JSON.stringify({
      roles: { maintainer: ["repos:read", "repos:write"], member: ["repos:read"] },
      rules: [
        { when: { provider: "github", org: "acme" }, grant: ["role:member"] },
        { when: { provider: "github", team: "acme/platform" }, grant: ["role:maintainer"] },
        { when: { provider: "discord", guild: "81384788765712384", role: "41771983423143937" }, grant: ["posts:moderate"] },
        { when: { kind: "bot" }, grant: ["bot:only"] },
        { when: {}, grant: ["profile"] },
      ],
    }),
  );
  const auditOf = async (db: Awaited<ReturnType<typeof setup>>["db"]) =>
    (await db.select().from(auditEvents).where(eq(auditEvents.type, "entitlements.changed")).orderBy(auditEvents.id)).map((e) => JSON.parse(e.detail) as unknown);

  it("derives the union over identities, stores it and audits only changes", async () => {
    const { db } = await setup();
    const gh = await resolveLogin(db, githubUser(), login());
    const first = await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW);
    expect(first).toEqual({ scopes: ["profile", "repos:read"], roles: ["member"], derivedAt: NOW, changed: true });
    expect(await getEntitlements(db, gh.accountId)).toEqual({ scopes: ["profile", "repos:read"], roles: ["member"], derivedAt: NOW });

    const same = await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW + 1);
    expect(same.changed).toBe(false);
    expect((await getEntitlements(db, gh.accountId))?.derivedAt).toBe(NOW + 1);

    await resolveLogin(db, discordUser(), link(gh.accountId));
    const facts: ProviderFacts = { provider: "github", orgs: ["acme"], teams: ["acme/platform"] };
    await storeFacts(db, { identityId: gh.identityId, facts, now: NOW + 2 });
    const grown = await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW + 2);
    expect(grown).toMatchObject({ scopes: ["posts:moderate", "profile", "repos:read", "repos:write"], roles: ["maintainer", "member"], changed: true });

    expect(await auditOf(db)).toEqual([
      { before: { scopes: [], roles: [] }, after: { scopes: ["profile", "repos:read"], roles: ["member"] } },
      {
        before: { scopes: ["profile", "repos:read"], roles: ["member"] },
        after: { scopes: ["posts:moderate", "profile", "repos:read", "repos:write"], roles: ["maintainer", "member"] },
      },
    ]);
  });

  it("skips stale identities", async () => {
    const { db } = await setup();
    const gh = await resolveLogin(db, githubUser(), login());
    const dc = await resolveLogin(db, discordUser(), link(gh.accountId));
    expect((await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW)).scopes).toEqual(["posts:moderate", "profile", "repos:read"]);
    await markIdentityStale(db, dc.identityId, NOW + 1);
    const after = await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW + 2);
    expect(after).toMatchObject({ scopes: ["profile", "repos:read"], changed: true });
    // every identity stale: nothing at all, not even the catch-all rule
    await markIdentityStale(db, gh.identityId, NOW + 3);
    expect(await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW + 4)).toMatchObject({ scopes: [], roles: [], changed: true });
    // a fresh login clears the stale mark
    await resolveLogin(db, discordUser(), login());
    expect((await deriveAndStoreEntitlements(db, rules, gh.accountId, NOW + 5)).scopes).toEqual(["posts:moderate", "profile"]);
  });

  it("matches rules against the account's kind", async () => {
    const { db } = await setup();
    const bot = await resolveLogin(db, githubUser({ subject: "installation:7" }), { ...login(), kind: "bot" });
    const user = await resolveLogin(db, githubUser(), login());
    expect((await deriveAndStoreEntitlements(db, rules, bot.accountId, NOW)).scopes).toContain("bot:only");
    expect((await deriveAndStoreEntitlements(db, rules, user.accountId, NOW)).scopes).not.toContain("bot:only");
    await refused(deriveAndStoreEntitlements(db, rules, "acct_missing", NOW), "not_found");
    expect(await db.select().from(entitlements)).toHaveLength(2);
  });
});
