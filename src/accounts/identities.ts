/**
 * Identity → account mapping (SECURITY.md, "Accounts and linking"). An identity is keyed by
 * (provider, the platform's immutable subject) and nothing else: never by username or email, and accounts
 * are never merged. The unique index on (provider, subject) is the arbiter of concurrent first logins.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { accounts, identities } from "../db/schema";
import type { ExternalIdentity, ProviderFacts } from "../domain";
import { newId } from "../lib/ids";
import { getAccount, type Account } from "./accounts";
import { auditInsert } from "../audit";
import { AccountError, isIdentityKeyViolation } from "./errors";
import { parseFacts, sealProviderTokens } from "./facts";

export { openProviderTokens } from "./facts";

/** Options of {@link resolveLogin}. */
export interface ResolveLoginOptions {
  /** `login`: find or create the account; `link`: attach the identity to the session's account. */
  intent: "login" | "link";
  /** The signed-in account (required for `link`; ignored for `login`). */
  sessionAccountId?: string | undefined;
  /** Kind of a newly created account (default `user`); an existing account keeps its kind. */
  kind?: "user" | "bot" | undefined;
  /** Key sealing provider tokens at rest: `derivedKey(secret, "provider-token-encryption")`. */
  sealKey: Uint8Array;
  /** Epoch milliseconds. */
  now: number;
}

/** Outcome of {@link resolveLogin}. */
export interface ResolvedLogin {
  accountId: string;
  identityId: string;
  /** The account's kind (what the rules match as `kind`). */
  kind: "user" | "bot";
  /** A new account was created for a new identity. */
  created: boolean;
  /** A new identity was attached to the session's existing account. */
  linked: boolean;
}

/** A linked identity as the rest of the server sees it (never the tokens). */
export interface Identity {
  id: string;
  accountId: string;
  provider: string;
  subject: string;
  username: string | null;
  email: string | null;
  emailVerified: boolean;
  avatar: string | null;
  /** `null` when none are stored (or unreadable): such an identity grants nothing. */
  facts: ProviderFacts | null;
  factsUpdatedAt: number | null;
  /** Set when the platform rejected the stored token: grants nothing until a new login. */
  staleAt: number | null;
  createdAt: number;
  updatedAt: number;
}

type IdentityRow = typeof identities.$inferSelect;

function toIdentity(row: IdentityRow): Identity {
  const { tokensEnc: _tokens, facts, ...rest } = row;
  return { ...rest, facts: parseFacts(facts) };
}

async function findIdentity(db: Database, provider: string, subject: string): Promise<IdentityRow | undefined> {
  const [row] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.provider, provider), eq(identities.subject, subject)));
  return row;
}

async function requireAccount(db: Database, id: string): Promise<Account> {
  const account = await getAccount(db, id);
  if (!account) throw new AccountError("not_found", "The signed-in account no longer exists.");
  if (account.blockedAt !== null) throw new AccountError("account_blocked");
  return account;
}

/** What a fresh provider login tells us about the identity, as column values. */
function profileOf(identity: ExternalIdentity, tokensEnc: string | undefined, now: number) {
  return {
    username: identity.username,
    email: identity.email ?? null,
    emailVerified: identity.emailVerified,
    avatar: identity.avatar ?? null,
    facts: JSON.stringify(identity.facts),
    factsUpdatedAt: now,
    staleAt: null,
    updatedAt: now,
    ...(tokensEnc !== undefined ? { tokensEnc } : {}),
  };
}

/** An identity we already know: refuse what must be refused, else refresh its profile. */
async function updateKnown(
  db: Database,
  row: IdentityRow,
  profile: ReturnType<typeof profileOf>,
  opts: ResolveLoginOptions,
): Promise<ResolvedLogin> {
  // Linking never moves an identity between accounts and never merges two accounts.
  if (opts.intent === "link" && row.accountId !== opts.sessionAccountId) throw new AccountError("identity_linked_elsewhere");
  const account = await requireAccount(db, row.accountId);
  // A login without tokens (dev connector, some exchanges) keeps the stored ones, unless they were
  // already rejected by the platform: clearing `staleAt` must not revive a dead token.
  const tokens = profile.tokensEnc !== undefined || row.staleAt === null ? {} : { tokensEnc: null };
  await db
    .update(identities)
    .set({ ...profile, ...tokens })
    .where(eq(identities.id, row.id));
  return { accountId: account.id, identityId: row.id, kind: account.kind, created: false, linked: false };
}

/**
 * Map a provider login to an account.
 * - known identity → its account (profile, facts and tokens refreshed); `link` onto another account is
 *   refused with `identity_linked_elsewhere`;
 * - new identity + `login` → a new account; new identity + `link` → attached to the session's account;
 * - `link` without a session → `link_requires_session`; a blocked account → `account_blocked`.
 * Concurrent first logins of one identity yield one account: the account and identity rows are inserted
 * in one transaction, and the loser of the unique (provider, subject) race rolls back and adopts the
 * winner's account.
 * @example const { accountId } = await resolveLogin(db, identity, { intent: "login", sealKey, now: Date.now() });
 */
export async function resolveLogin(db: Database, identity: ExternalIdentity, opts: ResolveLoginOptions): Promise<ResolvedLogin> {
  if (opts.intent === "link" && !opts.sessionAccountId) throw new AccountError("link_requires_session");
  const target = opts.intent === "link" ? await requireAccount(db, opts.sessionAccountId as string) : null;

  const tokensEnc = identity.tokens ? await sealProviderTokens(opts.sealKey, identity.tokens) : undefined;
  const profile = profileOf(identity, tokensEnc, opts.now);

  const known = await findIdentity(db, identity.provider, identity.subject);
  if (known) return updateKnown(db, known, profile, opts);

  const accountId = target?.id ?? newId("account");
  const kind = target?.kind ?? opts.kind ?? "user";
  const identityId = newId("identity");
  const insertIdentity = db.insert(identities).values({
    id: identityId,
    accountId,
    provider: identity.provider,
    subject: identity.subject,
    ...profile,
    createdAt: opts.now,
  });
  const event = auditInsert(
    db,
    target
      ? { type: "identity.linked", actor: accountId, subject: accountId, detail: { identity: identityId, provider: identity.provider } }
      : { type: "account.created", subject: accountId, detail: { kind, identity: identityId, provider: identity.provider } },
    opts.now,
  );
  try {
    // One transaction: the rows and their audit record land together, or not at all (a lost race).
    if (target) await db.batch([insertIdentity, event]);
    else await db.batch([db.insert(accounts).values({ id: accountId, kind, displayName: identity.username, createdAt: opts.now }), insertIdentity, event]);
  } catch (err) {
    if (!isIdentityKeyViolation(err)) throw err;
    // Lost the race for this identity: the batch rolled back (no orphan account); adopt the winner's row.
    const winner = await findIdentity(db, identity.provider, identity.subject);
    if (!winner) throw err;
    return updateKnown(db, winner, profile, opts);
  }
  return { accountId, identityId, kind, created: target === null, linked: target !== null };
}

/**
 * The identities linked to an account, oldest first (never their tokens).
 * @example const list = await listIdentities(db, accountId);
 */
export async function listIdentities(db: Database, accountId: string): Promise<Identity[]> {
  const rows = await db.select().from(identities).where(eq(identities.accountId, accountId)).orderBy(asc(identities.createdAt), asc(identities.id));
  return rows.map(toIdentity);
}

/**
 * Remove an identity from an account. Refused with `not_found` when it is not this account's, and with
 * `last_identity` when it is the only one left (the account would be unreachable). The check and the
 * delete are one statement, so two concurrent unlinks cannot remove the last two identities together.
 * After it, re-derive the account's entitlements: the removed identity's facts no longer count.
 * @example await unlinkIdentity(db, accountId, identityId, Date.now());
 */
export async function unlinkIdentity(db: Database, accountId: string, identityId: string, now: number): Promise<void> {
  const [result] = await db.batch([
    db
      .delete(identities)
      .where(
        and(
          eq(identities.id, identityId),
          eq(identities.accountId, accountId),
          sql`(select count(*) from ${identities} where ${identities.accountId} = ${accountId}) > 1`,
        ),
      ),
    // Written only when the delete above removed the row (same transaction, same connection).
    db.run(
      sql`insert into audit_events (at, type, actor, subject, detail) select ${now}, 'identity.unlinked', ${accountId}, ${accountId}, ${JSON.stringify({ identity: identityId })} where changes() > 0`,
    ),
  ]);
  if (result.rowsAffected > 0) return;
  const [row] = await db
    .select({ id: identities.id })
    .from(identities)
    .where(and(eq(identities.id, identityId), eq(identities.accountId, accountId)));
  throw row ? new AccountError("last_identity") : new AccountError("not_found", "No such identity on this account.");
}
