/** Management API: accounts and their sessions (operators). */
import { z } from "zod";
import { actorOf } from "../admin/caller";
import { blockAccountAs, unblockAccountAs } from "../admin/account-block";
import { getAccountDetail, listAccounts, type AccountDetail, type AccountSummary } from "../admin/accounts";
import { listAccountSessions, revokeSessionAs, type SessionView } from "../admin/sessions";
import type { Reason } from "../rules/explain";
import { IdParam, PageQuery, pathId, query } from "./input";
import { json, list, route } from "./route";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function presentSummary(a: AccountSummary) {
  return { id: a.id, kind: a.kind, display_name: a.displayName, created_at: iso(a.createdAt), blocked_at: iso(a.blockedAt), identities: a.identities };
}

const presentReason = (r: Reason) => ({ rule: `$.rules[${r.rule}]`, when: r.when, grant: r.grant, identity_id: r.identity });

function presentDetail(a: AccountDetail) {
  return {
    id: a.id,
    kind: a.kind,
    display_name: a.displayName,
    created_at: iso(a.createdAt),
    blocked_at: iso(a.blockedAt),
    identities: a.identities.map((i) => ({
      id: i.id,
      provider: i.provider,
      subject: i.subject,
      username: i.username,
      email: i.email,
      email_verified: i.emailVerified,
      avatar: i.avatar,
      facts: i.facts,
      facts_updated_at: iso(i.factsUpdatedAt),
      stale_at: iso(i.staleAt),
      created_at: iso(i.createdAt),
    })),
    entitlements: {
      derived_at: iso(a.entitlements.derivedAt),
      scopes: a.entitlements.scopes.map((s) => ({ scope: s.scope, held: s.held, granted_by: s.reasons.map(presentReason) })),
      roles: a.entitlements.roles.map((r) => ({ role: r.role, held: r.held, granted_by: r.reasons.map(presentReason) })),
    },
  };
}

function presentSession(s: SessionView) {
  return { id: s.id, account_id: s.accountId, user_agent: s.userAgent, created_at: iso(s.createdAt), last_seen_at: iso(s.lastSeenAt) };
}

const ListQuery = z.object({ ...PageQuery, q: z.string().max(200).optional() });
const SessionsQuery = z.object({ account: IdParam });

/** `/api/v1/accounts` and `/api/v1/sessions` routes. */
export const accountRoutes = [
  route("GET", "/api/v1/accounts", "operator", "accounts, newest first: search by id, platform username or display name (q)", async ({ c, deps }) => {
    const page = await listAccounts(deps, query(c, ListQuery));
    return list(c, page.items.map(presentSummary), page.next);
  }),
  route("GET", "/api/v1/accounts/:id", "operator", "one account: identities, entitlements and the rule that granted each", async ({ c, deps }) =>
    json(c, presentDetail(await getAccountDetail(deps, pathId(c, "id")))),
  ),
  route("POST", "/api/v1/accounts/:id/block", "operator", "block an account: every session, token and API key it holds stops at once", async ({ c, deps, caller }) => {
    const id = pathId(c, "id");
    const { blockedAt } = await blockAccountAs(deps, id, actorOf(caller));
    return json(c, { id, blocked_at: iso(blockedAt) });
  }),
  route("POST", "/api/v1/accounts/:id/unblock", "operator", "unblock an account (what the block revoked stays revoked)", async ({ c, deps, caller }) => {
    const id = pathId(c, "id");
    await unblockAccountAs(deps, id, actorOf(caller));
    return json(c, { id, blocked_at: null });
  }),
  route("GET", "/api/v1/sessions", "operator", "an account's live sessions (account=ID)", async ({ c, deps }) =>
    list(c, (await listAccountSessions(deps, query(c, SessionsQuery).account)).map(presentSession)),
  ),
  route("POST", "/api/v1/sessions/:id/revoke", "operator", "revoke a session and every token issued through it", async ({ c, deps, caller }) => {
    const r = await revokeSessionAs(deps, pathId(c, "id"), actorOf(caller));
    return json(c, { id: r.id, account_id: r.accountId, revoked_at: iso(r.revokedAt) });
  }),
];
