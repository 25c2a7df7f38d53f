/**
 * The bridge's own browser session: a signed, HttpOnly cookie naming a row of `sessions`. The same
 * session id is the `sid` of every token issued through it, so revoking the session (account page,
 * logout, account block) also revokes those tokens through one state-store mark.
 *
 * On an https issuer the cookie is `__Host-ab_session`: browsers accept it only when Secure, on Path=/ and
 * without Domain, so a sibling subdomain or a plain-http page cannot plant or shadow it. A session unused for
 * SESSION_IDLE_TTL seconds is refused; use is recorded at most once a minute (`last_seen_at`).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { auditInsert } from "../audit";
import { accounts, sessions } from "../db/schema";
import type { AppDeps } from "../deps";
import { newId } from "../lib/ids";
import { cookieSigningKey } from "./cookie-key";

/** Base name of the session cookie (see {@link sessionCookieName}). */
export const SESSION_COOKIE = "ab_session";

/** How often a session's `last_seen_at` is written, at most (ms): one write a minute, not one per request. */
const LAST_SEEN_EVERY_MS = 60_000;

/** The session cookie's name: `__Host-` prefixed on an https issuer. */
export function sessionCookieName(config: Pick<AppDeps["config"], "issuer">): string {
  return config.issuer.startsWith("https://") ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

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
  await setSignedCookie(c, sessionCookieName(deps.config), sid, (await cookieSigningKey(deps.config)) as BufferSource, {
    ...cookieOptions(deps),
    maxAge: deps.config.refreshTokenTtl,
  });
  return { sid, accountId, createdAt: now };
}

/**
 * The request's live session, or null (no cookie, bad signature, revoked, expired, idle too long, blocked
 * account). Records the use when the last one is more than a minute old.
 */
export async function currentSession(c: Context, deps: AppDeps): Promise<BrowserSession | null> {
  const sid = await getSignedCookie(c, (await cookieSigningKey(deps.config)) as BufferSource, sessionCookieName(deps.config));
  if (!sid) return null;
  const rows = await deps.db
    .select({ sid: sessions.id, accountId: sessions.accountId, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, blockedAt: accounts.blockedAt })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(and(eq(sessions.id, sid), isNull(sessions.revokedAt)))
    .limit(1);
  const row = rows[0];
  if (!row || row.blockedAt !== null) return null;
  const now = deps.now();
  if (row.createdAt + deps.config.refreshTokenTtl * 1000 <= now) return null;
  if (row.lastSeenAt + deps.config.sessionIdleTtl * 1000 <= now) return null;
  if (now - row.lastSeenAt >= LAST_SEEN_EVERY_MS) {
    // Guarded by the value read: of concurrent requests one writes, and time never moves backwards.
    await deps.db
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(and(eq(sessions.id, row.sid), eq(sessions.lastSeenAt, row.lastSeenAt)));
  }
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
  deleteCookie(c, sessionCookieName(deps.config), cookieOptions(deps));
}

/** The account's sessions, newest first, for the account page. */
export async function listSessions(deps: AppDeps, accountId: string) {
  return deps.db
    .select({ id: sessions.id, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .where(and(eq(sessions.accountId, accountId), isNull(sessions.revokedAt)))
    .orderBy(sessions.createdAt);
}
