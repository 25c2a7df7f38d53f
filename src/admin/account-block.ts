/**
 * Blocking an account: the database flag stops new logins and its API keys, and ONE `account` revocation
 * mark in the state store covers every session, refresh token and access token issued to it before now —
 * as the CLI's `accounts block`, with the caller as the actor.
 */
import { blockAccount, getAccount, unblockAccount } from "../accounts/accounts";
import type { AppDeps } from "../deps";
import { AdminError } from "./errors";
import { AccountError } from "../accounts/errors";

async function notFoundAsAdmin<T>(work: Promise<T>, id: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof AccountError && err.code === "not_found") throw new AdminError("not_found", `no account ${id}`);
    throw err;
  }
}

/**
 * Block `accountId` (idempotent) and revoke everything issued to it. The mark is written first, and again
 * on a repeated block: if the database write fails after it, the tokens are dead anyway (fail closed), and
 * a retry after a failed mark still writes one (a blocked account gets nothing new that it could cover).
 * @example const { blockedAt } = await blockAccountAs(deps, "acct_…", "client_ci");
 */
export async function blockAccountAs(deps: AppDeps, accountId: string, actor: string): Promise<{ blockedAt: number }> {
  if (!(await getAccount(deps.db, accountId))) throw new AdminError("not_found", `no account ${accountId}`);
  const now = deps.now();
  // The mark must outlive every token it covers: the longest is a refresh family's absolute lifetime.
  const ttlSeconds = Math.max(deps.config.refreshTokenTtl, deps.config.accessTokenTtl) + 60;
  await deps.store.revoke([{ kind: "account", id: accountId, at: now, ttlSeconds }]);
  const result = await notFoundAsAdmin(blockAccount(deps.db, accountId, now, actor), accountId);
  if (result.changed) deps.logger.warn("account blocked: every session and token revoked", { account_id: accountId, by: actor });
  return { blockedAt: result.blockedAt ?? now };
}

/**
 * Unblock `accountId` (idempotent): new logins work again; what the block revoked stays revoked.
 * @example await unblockAccountAs(deps, "acct_…", "acct_operator");
 */
export async function unblockAccountAs(deps: AppDeps, accountId: string, actor: string): Promise<void> {
  await notFoundAsAdmin(unblockAccount(deps.db, accountId, deps.now(), actor), accountId);
}
