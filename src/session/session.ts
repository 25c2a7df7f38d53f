/**
 * The bridge's own browser session: a signed, HttpOnly cookie naming a row of `sessions`. The same
 * session id is the `sid` of every token issued through it, so revoking the session (account page,
 * logout, account block) also revokes those tokens through one state-store mark.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { auditInsert } from "../audit";
import { accounts, sessions } from "../db/schema";
import type { AppDeps } from "../deps";
import { newId } from "../lib/ids";
import { cookieSigningKey } from "./cookie-key";

/** Name of the session cookie. */
export const SESSION_COOKIE = "ab_session";

/** A live browser session. */
export interface BrowserSession {
  sid: string;
  accountId: string;
  createdAt: number;
}

function cookieOptions(deps: AppDeps) {
  return { path: "/", httpOnly: true, sameSite: "Lax" as const, secure: deps.config.issuer.startsWith("https://") };
}

/** Start a session for `accountId` and set its cookie on the response. */
export async function startSession(c: Context, deps: AppDeps, accountId: string): Promise<BrowserSession> {
  const now = deps.now();
  const sid = newId("session");
  await deps.db.insert(sessions).values({
    id: sid,
    accountId,
    userAgent: (c.req.header("user-agent") ?? "").slice(0, 300),
    createdAt: now,
    lastSeenAt: now,
  });
  await setSignedCookie(c, SESSION_COOKIE, sid, (await cookieSigningKey(deps.config)) as BufferSource, {
    ...cookieOptions(deps),
    maxAge: deps.config.refreshTokenTtl,
  });
  return { sid, accountId, createdAt: now };
}

/** The request's live session, or null (no cookie, bad signature, revoked, expired, blocked account). */
export async function currentSession(c: Context, deps: AppDeps): Promise<BrowserSession | null> {
  const sid = await getSignedCookie(c, (await cookieSigningKey(deps.config)) as BufferSource, SESSION_COOKIE);
  if (!sid) return null;
  const rows = await deps.db
    .select({ sid: sessions.id, accountId: sessions.accountId, createdAt: sessions.createdAt, blockedAt: accounts.blockedAt })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(and(eq(sessions.id, sid), isNull(sessions.revokedAt)))
    .limit(1);
  const row = rows[0];
  if (!row || row.blockedAt !== null) return null;
  if (row.createdAt + deps.config.refreshTokenTtl * 1000 <= deps.now()) return null;
  return { sid: row.sid, accountId: row.accountId, createdAt: row.createdAt };
}

/**
 * Revoke one of `accountId`'s sessions: the row is marked and every token carrying its `sid` is revoked
 * through one state-store mark. False when the session is not the account's.
 */
export async function revokeSession(deps: AppDeps, accountId: string, sid: string, actor: string): Promise<boolean> {
  const now = deps.now();
  const rows = await deps.db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.id, sid), eq(sessions.accountId, accountId))).limit(1);
  if (rows.length === 0) return false;
  // The mark first: if the database write fails after it, the tokens are dead anyway (fail closed).
  await deps.store.revoke([{ kind: "session", id: sid, at: now, ttlSeconds: deps.config.refreshTokenTtl + 60 }]);
  await deps.db.batch([
    deps.db.update(sessions).set({ revokedAt: now }).where(eq(sessions.id, sid)),
    auditInsert(deps.db, { type: "session.revoked", actor, subject: accountId, detail: { sid } }, now),
  ]);
  return true;
}

/** Clear the session cookie on the response. */
export function clearSessionCookie(c: Context, deps: AppDeps): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(deps));
}

/** The account's sessions, newest first, for the account page. */
export async function listSessions(deps: AppDeps, accountId: string) {
  return deps.db
    .select({ id: sessions.id, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .where(and(eq(sessions.accountId, accountId), isNull(sessions.revokedAt)))
    .orderBy(sessions.createdAt);
}
