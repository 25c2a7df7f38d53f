/**
 * Accounts as an operator sees them: search by id or platform username, and one account in full — its
 * linked identities, its entitlements and, for each scope and role, the rule that granted it.
 */
import { and, asc, desc, eq, exists, inArray, or, sql, type SQL } from "drizzle-orm";
import { getAccount, type Account } from "../accounts/accounts";
import { getEntitlements } from "../accounts/entitlements";
import { listIdentities, type Identity } from "../accounts/identities";
import { accounts, identities } from "../db/schema";
import type { AppDeps } from "../deps";
import type { ProviderFacts } from "../domain";
import { explainEntitlements, type Reason } from "../rules/explain";
import { AdminError } from "./errors";
import { afterPosition, containing, pageOf, pageSize, type Page, type PageRequest } from "./pagination";

/** An account in a list: who it is on which platforms. */
export interface AccountSummary extends Account {
  identities: { provider: string; username: string | null }[];
}

/** Filters of {@link listAccounts}. */
export interface AccountFilter extends PageRequest {
  /** An account id (exact), or part of a platform username or display name (any case). */
  q?: string | undefined;
}

/**
 * Accounts, newest first, a page at a time.
 * @example const { items } = await listAccounts(deps, { q: "octocat" });
 */
export async function listAccounts(deps: AppDeps, filter: AccountFilter): Promise<Page<AccountSummary>> {
  const limit = pageSize(filter);
  const conditions: (SQL | undefined)[] = [afterPosition(filter.cursor, accounts.createdAt, accounts.id)];
  if (filter.q !== undefined && filter.q !== "") {
    const pattern = containing(filter.q);
    conditions.push(
      or(
        eq(accounts.id, filter.q),
        sql`lower(${accounts.displayName}) like ${pattern} escape '\\'`,
        exists(
          deps.db
            .select({ one: sql`1` })
            .from(identities)
            .where(and(eq(identities.accountId, accounts.id), sql`lower(${identities.username}) like ${pattern} escape '\\'`)),
        ),
      ),
    );
  }
  const rows = await deps.db
    .select()
    .from(accounts)
    .where(and(...conditions))
    .orderBy(desc(accounts.createdAt), desc(accounts.id))
    .limit(limit + 1);
  const page = pageOf(rows, limit, (r) => [r.createdAt, r.id]);
  const ids = page.items.map((a) => a.id);
  const linked =
    ids.length === 0
      ? []
      : await deps.db
          .select({ accountId: identities.accountId, provider: identities.provider, username: identities.username })
          .from(identities)
          .where(inArray(identities.accountId, ids))
          .orderBy(asc(identities.createdAt), asc(identities.id));
  return {
    items: page.items.map((a) => ({ ...a, identities: linked.filter((i) => i.accountId === a.id).map(({ provider, username }) => ({ provider, username })) })),
    next: page.next,
  };
}

/** One entitlement: whether the account holds it now, and the rules that grant it under today's document. */
export interface ExplainedEntitlement {
  /**
   * In the stored entitlements, which tokens are cut from. Held without a reason: derived before the rules
   * or facts changed (the next sign-in or refresh re-derives). Not held with reasons: the reverse.
   */
  held: boolean;
  reasons: Reason[];
}

/** One account in full (never its identities' platform tokens). */
export interface AccountDetail extends Account {
  identities: Identity[];
  entitlements: {
    /** When the stored entitlements were derived; null when never. */
    derivedAt: number | null;
    scopes: (ExplainedEntitlement & { scope: string })[];
    roles: (ExplainedEntitlement & { role: string })[];
  };
}

/** Held names and explained names together, each with whether it is held and why it is granted. */
function merge(held: readonly string[], explained: ReadonlyMap<string, Reason[]>): ({ name: string } & ExplainedEntitlement)[] {
  return [...new Set([...held, ...explained.keys()])].sort().map((name) => ({ name, held: held.includes(name), reasons: explained.get(name) ?? [] }));
}

/**
 * One account with its identities and explained entitlements.
 * @example const a = await getAccountDetail(deps, "acct_…"); a.entitlements.scopes.find((s) => s.scope === "repos:write")?.reasons
 */
export async function getAccountDetail(deps: AppDeps, id: string): Promise<AccountDetail> {
  const account = await getAccount(deps.db, id);
  if (!account) throw new AdminError("not_found", `no account ${id}`);
  const [linked, stored] = await Promise.all([listIdentities(deps.db, id), getEntitlements(deps.db, id)]);
  // The identities evaluation counts: stale ones (platform rejected the token) and unreadable facts grant nothing.
  const counted = linked.filter((i): i is Identity & { facts: ProviderFacts } => i.staleAt === null && i.facts !== null).map((i) => ({ identity: i.id, facts: i.facts }));
  const explained = explainEntitlements(deps.config.rules, account.kind, counted);
  return {
    ...account,
    identities: linked,
    entitlements: {
      derivedAt: stored?.derivedAt ?? null,
      scopes: merge(stored?.scopes ?? [], new Map(explained.scopes.map((e) => [e.scope, e.reasons]))).map(({ name, ...e }) => ({ scope: name, ...e })),
      roles: merge(stored?.roles ?? [], new Map(explained.roles.map((e) => [e.role, e.reasons]))).map(({ name, ...e }) => ({ role: name, ...e })),
    },
  };
}
