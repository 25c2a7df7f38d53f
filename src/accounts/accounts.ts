/**
 * Accounts: reading one, and blocking/unblocking it. Revoking the account's sessions and refresh tokens
 * (the state-store revocation mark) is the caller's job, right after a block.
 */
import { and, eq, isNull } from "drizzle-orm";
import { auditInsert } from "../audit";
import type { Database } from "../db/client";
import { accounts, apiKeys } from "../db/schema";
import { AccountError } from "./errors";

/** A local account. */
export interface Account {
  id: string;
  kind: "user" | "bot";
  displayName: string | null;
  createdAt: number;
  /** When it was blocked; `null` when it is not. */
  blockedAt: number | null;
}

/**
 * The account with `id`, or `null`.
 * @example const account = await getAccount(db, "acct_…");
 */
export async function getAccount(db: Database, id: string): Promise<Account | null> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row ?? null;
}

/** Outcome of {@link blockAccount} / {@link unblockAccount}. */
export interface BlockResult {
  blockedAt: number | null;
  /** False when the account was already in that state (no audit event written). */
  changed: boolean;
}

async function setBlocked(db: Database, accountId: string, blocked: boolean, now: number, actor: string | undefined): Promise<BlockResult> {
  const account = await getAccount(db, accountId);
  if (!account) throw new AccountError("not_found", `no account ${accountId}`);
  if ((account.blockedAt !== null) === blocked) return { blockedAt: account.blockedAt, changed: false };
  const blockedAt = blocked ? now : null;
  await db.batch([
    db.update(accounts).set({ blockedAt }).where(eq(accounts.id, accountId)),
    auditInsert(db, { type: blocked ? "account.blocked" : "account.unblocked", actor, subject: accountId }, now),
    // A block kills the account's API keys for good, like its sessions: an unblock restores neither.
    ...(blocked ? [db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))] : []),
  ]);
  return { blockedAt, changed: true };
}

/**
 * Block an account (idempotent) and record `account.blocked`. Logins and token issuance refuse it from
 * now on; the caller must also write the revocation mark so live tokens die at once.
 * @example await blockAccount(db, "acct_…", Date.now(), "cli");
 */
export function blockAccount(db: Database, accountId: string, now: number, actor?: string): Promise<BlockResult> {
  return setBlocked(db, accountId, true, now, actor);
}

/**
 * Unblock an account (idempotent) and record `account.unblocked`. Tokens and API keys revoked by the block
 * stay revoked.
 * @example await unblockAccount(db, "acct_…", Date.now(), "cli");
 */
export function unblockAccount(db: Database, accountId: string, now: number, actor?: string): Promise<BlockResult> {
  return setBlocked(db, accountId, false, now, actor);
}
