/**
 * An account's stored entitlements: derived from its identities' facts through the rules document, kept in
 * the `entitlements` table with the time of derivation, and audited whenever they change.
 */
import { eq, sql } from "drizzle-orm";
import type { ProviderFacts } from "../domain";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { entitlements, identities } from "../db/schema";
import { entitlementsFor } from "../rules/evaluate";
import type { Rules } from "../rules/schema";
import { getAccount } from "./accounts";
import { AccountError } from "./errors";
import { parseFacts } from "./facts";

/** Stored entitlements of an account. */
export interface StoredEntitlements {
  scopes: string[];
  roles: string[];
  /** When they were derived (epoch ms): refresh re-derives once this is older than ENTITLEMENTS_MAX_AGE. */
  derivedAt: number;
}

function parseList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

// Read on every user token issuance: built once per database instead of per call.
const byAccountQueries = new WeakMap<Database, ReturnType<typeof prepareByAccount>>();
function prepareByAccount(db: Database) {
  return db.select().from(entitlements).where(eq(entitlements.accountId, sql.placeholder("accountId"))).prepare();
}

/**
 * The stored entitlements of an account, or `null` when never derived.
 * @example const ent = await getEntitlements(db, accountId);
 */
export async function getEntitlements(db: Database, accountId: string): Promise<StoredEntitlements | null> {
  let query = byAccountQueries.get(db);
  if (!query) byAccountQueries.set(db, (query = prepareByAccount(db)));
  const [row] = await query.all({ accountId });
  return row ? { scopes: parseList(row.scopes), roles: parseList(row.roles), derivedAt: row.derivedAt } : null;
}

/**
 * Derive the account's entitlements from the stored facts of its identities (stale identities grant
 * nothing), store them, and record `entitlements.changed` (before/after) in the same transaction when they
 * differ from the stored ones. Call after a login, a link or unlink, and after refreshing facts.
 * @example const { scopes, roles } = await deriveAndStoreEntitlements(db, rules, accountId, Date.now());
 */
export async function deriveAndStoreEntitlements(
  db: Database,
  rules: Rules,
  accountId: string,
  now: number,
): Promise<StoredEntitlements & { changed: boolean }> {
  const account = await getAccount(db, accountId);
  if (!account) throw new AccountError("not_found", `No account ${accountId}.`);
  const rows = await db.select({ facts: identities.facts, staleAt: identities.staleAt }).from(identities).where(eq(identities.accountId, accountId));
  const factsList = rows
    .filter((r) => r.staleAt === null)
    .map((r) => parseFacts(r.facts))
    .filter((f): f is ProviderFacts => f !== null);
  const { scopes, roles } = entitlementsFor(rules, account.kind, factsList);

  const before = await getEntitlements(db, accountId);
  const beforeScopes = before?.scopes ?? [];
  const beforeRoles = before?.roles ?? [];
  const changed = !sameList(beforeScopes, scopes) || !sameList(beforeRoles, roles);
  const values = { scopes: JSON.stringify(scopes), roles: JSON.stringify(roles), derivedAt: now };
  const upsert = db
    .insert(entitlements)
    .values({ accountId, ...values })
    .onConflictDoUpdate({ target: entitlements.accountId, set: values });
  const audit = auditInsert(
    db,
    { type: "entitlements.changed", subject: accountId, detail: { before: { scopes: beforeScopes, roles: beforeRoles }, after: { scopes, roles } } },
    now,
  );
  if (changed) await db.batch([upsert, audit]);
  else await upsert;
  return { scopes, roles, derivedAt: now, changed };
}
