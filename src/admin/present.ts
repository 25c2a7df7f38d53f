/**
 * The JSON of what the management services return, written once for the management API and the CLI:
 * snake_case, ISO 8601 times in UTC, `null` for "none", so a script can move between `authbridge …` and
 * `/api/v1/…` without translating. Nothing here ever carries a secret or a hash: the services' views have
 * none to begin with.
 */
import type { AccountDetail, AccountSummary } from "./accounts";
import type { AuditEntry } from "./audit-log";
import { describeClient } from "../clients/registry";
import type { ManagedClient } from "./client-view";
import type { OidcClientSettings } from "../oidc/client-settings";
import type { Page } from "./pagination";
import type { SessionView } from "./sessions";
import type { Reason } from "../rules/explain";

/** An epoch-ms time as ISO 8601 (UTC), or null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * A client's OpenID Connect settings in the protocol's names (OpenID Connect Dynamic Client Registration
 * 1.0 §2), defaults included: `userinfo_signed_response_alg` is null when UserInfo answers it JSON.
 * @example presentOidcSettings(DEFAULT_OIDC_SETTINGS) // { id_token_signed_response_alg: "RS256", userinfo_signed_response_alg: null, post_logout_redirect_uris: [] }
 */
export function presentOidcSettings(s: OidcClientSettings) {
  return { id_token_signed_response_alg: s.idTokenAlg, userinfo_signed_response_alg: s.userinfoAlg, post_logout_redirect_uris: s.postLogoutRedirectUris };
}

/**
 * A client: the fields of `clients list` (its OpenID Connect settings among them) plus its owner (null for
 * an operator's client).
 * @example presentClient(await getManagedClient(deps, CLI_CALLER, id)).owner_account_id
 */
export function presentClient(c: ManagedClient) {
  // The registry's public view, with the owner placed before the times as the API has always shown it.
  const { created_at, disabled_at, ...described } = describeClient(c);
  return { ...described, owner_account_id: c.ownerAccountId, created_at, disabled_at, ...presentOidcSettings(c.oidc) };
}

/**
 * A list page as the API answers it: `{ "items": [...], "next"? }`, `next` only when there is another page.
 * @example presentPage(await listAuditEvents(deps, {}), presentAuditEntry)
 */
export function presentPage<T, U>(page: Page<T>, present: (item: T) => U): { items: U[]; next?: string } {
  const items = page.items.map(present);
  return page.next === undefined ? { items } : { items, next: page.next };
}

/** An account in a list: who it is on which platforms. */
export function presentAccountSummary(a: AccountSummary) {
  return { id: a.id, kind: a.kind, display_name: a.displayName, created_at: iso(a.createdAt), blocked_at: iso(a.blockedAt), identities: a.identities };
}

/** One reason an entitlement is granted: the rule (as a JSON path into the rules document), its conditions, its grant entry and the identity that matched. */
const presentReason = (r: Reason) => ({ rule: `$.rules[${r.rule}]`, when: r.when, grant: r.grant, identity_id: r.identity });

/** A live session. */
export function presentSession(s: SessionView) {
  return { id: s.id, account_id: s.accountId, user_agent: s.userAgent, created_at: iso(s.createdAt), last_seen_at: iso(s.lastSeenAt) };
}

/**
 * One account in full: identities, and each scope and role with the rules that granted it.
 * @example presentAccountDetail(await getAccountDetail(deps, id))
 */
export function presentAccountDetail(a: AccountDetail) {
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

/** One audit event. */
export function presentAuditEntry(e: AuditEntry) {
  return { id: e.id, at: new Date(e.at).toISOString(), type: e.type, actor: e.actor, subject: e.subject, detail: e.detail };
}
