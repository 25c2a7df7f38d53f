/**
 * What people let third-party clients have: one row per account, client and resource (the token's
 * audience), holding the union of the scopes approved. A request for those scopes or fewer needs no new
 * approval; one more scope asks again. Revoking forgets every row of the client for the account AND ends
 * the client's tokens for it (a `consent` mark), so "Revoke" on /account means what it says.
 */
import { and, desc, eq } from "drizzle-orm";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { consents } from "../db/schema";
import type { AppDeps } from "../deps";
import { consentMarkId } from "../store/store";

/** One remembered consent. */
export interface Consent {
  accountId: string;
  clientId: string;
  resource: string;
  scopes: string[];
  clientName: string;
  redirectHost: string;
  createdAt: number;
  updatedAt: number;
}

function toConsent(row: typeof consents.$inferSelect): Consent {
  return { ...row, scopes: JSON.parse(row.scopes) as string[] };
}

/** The consent of `accountId` for `clientId` and `resource`, or undefined. */
export async function findConsent(db: Database, accountId: string, clientId: string, resource: string): Promise<Consent | undefined> {
  const [row] = await db
    .select()
    .from(consents)
    .where(and(eq(consents.accountId, accountId), eq(consents.clientId, clientId), eq(consents.resource, resource)))
    .limit(1);
  return row ? toConsent(row) : undefined;
}

/**
 * Whether a consent covers every scope of a request.
 * @example if (covers(await findConsent(db, acct, client, aud), scopes)) skipTheScreen();
 */
export function covers(consent: Pick<Consent, "scopes"> | undefined, scopes: readonly string[]): boolean {
  if (!consent) return false;
  const approved = new Set(consent.scopes);
  return scopes.every((s) => approved.has(s));
}

/** What an approval records. */
export interface Approval {
  accountId: string;
  clientId: string;
  resource: string;
  scopes: string[];
  clientName: string;
  redirectHost: string;
}

/**
 * Remember an approval: the scopes join those approved before (for this client and resource).
 * @example await recordConsent(db, { accountId, clientId, resource: aud, scopes, clientName, redirectHost }, now);
 */
export async function recordConsent(db: Database, a: Approval, now: number): Promise<void> {
  const before = await findConsent(db, a.accountId, a.clientId, a.resource);
  const scopes = [...new Set([...(before?.scopes ?? []), ...a.scopes])].sort();
  await db.batch([
    db
      .insert(consents)
      .values({ ...a, scopes: JSON.stringify(scopes), createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [consents.accountId, consents.clientId, consents.resource],
        set: { scopes: JSON.stringify(scopes), clientName: a.clientName, redirectHost: a.redirectHost, updatedAt: now },
      }),
    auditInsert(db, { type: "consent.granted", actor: a.accountId, subject: a.clientId, detail: { resource: a.resource, scopes: a.scopes } }, now),
  ]);
}

/** Every consent of an account, most recently approved first. */
export async function listConsents(db: Database, accountId: string): Promise<Consent[]> {
  return (await db.select().from(consents).where(eq(consents.accountId, accountId)).orderBy(desc(consents.updatedAt))).map(toConsent);
}

/**
 * Forget what `accountId` let `clientId` have, and end that client's tokens for the account: its refresh
 * families and access tokens, through one mark that lives as long as any of them can. True when the
 * account had consented to the client.
 * @example await revokeConsent(deps, session.accountId, clientId);
 */
export async function revokeConsent(deps: Pick<AppDeps, "db" | "store" | "config" | "now">, accountId: string, clientId: string): Promise<boolean> {
  const owned = and(eq(consents.accountId, accountId), eq(consents.clientId, clientId));
  const [found] = await deps.db.select({ resource: consents.resource }).from(consents).where(owned).limit(1);
  if (!found) return false;
  const now = deps.now();
  // The mark first: once the rows are gone the person sees the app as disconnected, and by then nothing
  // it holds may still work.
  await deps.store.revoke([
    { kind: "consent", id: consentMarkId(accountId, clientId), at: now, ttlSeconds: deps.config.refreshTokenTtl + deps.config.accessTokenTtl + 60 },
  ]);
  await deps.db.batch([deps.db.delete(consents).where(owned), auditInsert(deps.db, { type: "consent.revoked", actor: accountId, subject: clientId }, now)]);
  return true;
}
