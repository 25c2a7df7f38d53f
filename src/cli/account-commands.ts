/**
 * Blocking an account: the database flag stops new logins, and ONE revocation mark in the state store
 * covers every session, refresh token and access token issued to the account before now.
 */
import { blockAccount, unblockAccount } from "../accounts/accounts";
import type { AppDeps } from "../deps";

/** Block `accountId` and revoke everything issued to it. */
export async function blockAccountEverywhere(deps: AppDeps, accountId: string) {
  const now = deps.now();
  const result = await blockAccount(deps.db, accountId, now, "cli");
  if (result.changed) {
    // The mark must outlive every token it covers: the longest is a refresh family's absolute lifetime.
    const ttlSeconds = Math.max(deps.config.refreshTokenTtl, deps.config.accessTokenTtl) + 60;
    await deps.store.revoke([{ kind: "account", id: accountId, at: now, ttlSeconds }]);
    deps.logger.warn("account blocked: every session and token revoked", { account_id: accountId, by: "cli" });
  }
  return { account_id: accountId, blocked_at: new Date(result.blockedAt ?? now).toISOString() };
}

/** Unblock `accountId`: new logins work again; what was revoked stays revoked. */
export async function unblockAccountEverywhere(deps: AppDeps, accountId: string) {
  await unblockAccount(deps.db, accountId, deps.now(), "cli");
  return { account_id: accountId, blocked: false };
}
