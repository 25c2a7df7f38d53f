/**
 * An account's browser sessions as an operator sees them, and revoking one: the row is marked and one
 * `session` revocation mark ends every token carrying its `sid` (src/session/session.ts does both).
 */
import { eq } from "drizzle-orm";
import { getAccount } from "../accounts/accounts";
import { sessions } from "../db/schema";
import type { AppDeps } from "../deps";
import { listSessions, revokeSession } from "../session/session";
import { AdminError } from "./errors";

/** One live session. */
export interface SessionView {
  id: string;
  accountId: string;
  userAgent: string | null;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * The account's live (not revoked) sessions, oldest first.
 * @example const list = await listAccountSessions(deps, "acct_…");
 */
export async function listAccountSessions(deps: AppDeps, accountId: string): Promise<SessionView[]> {
  if (!(await getAccount(deps.db, accountId))) throw new AdminError("not_found", `no account ${accountId}`);
  return (await listSessions(deps, accountId)).map((s) => ({ ...s, accountId }));
}

/**
 * Revoke session `sid` (idempotent: a revoked session stays as it was, with no second audit row).
 * @example await revokeSessionAs(deps, "ses_…", "acct_operator");
 */
export async function revokeSessionAs(deps: AppDeps, sid: string, actor: string): Promise<{ id: string; accountId: string; revokedAt: number }> {
  const [row] = await deps.db.select({ accountId: sessions.accountId, revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.id, sid)).limit(1);
  if (!row) throw new AdminError("not_found", `no session ${sid}`);
  if (row.revokedAt !== null) return { id: sid, accountId: row.accountId, revokedAt: row.revokedAt };
  const at = deps.now();
  await revokeSession(deps, row.accountId, sid, actor);
  return { id: sid, accountId: row.accountId, revokedAt: at };
}
