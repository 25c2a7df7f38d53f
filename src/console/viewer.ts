/**
 * Who is looking at the console: the signed-in account (the usual cookie session from a platform login)
 * and what its CURRENT entitlements let it do — `authbridge:admin` (operator) and `authbridge:clients`
 * (developer), granted by the rules like any scope, re-synced from the platforms like a token's — as the
 * management services' {@link Caller}. Every console route starts here.
 */
import type { Context } from "hono";
import { ADMIN_SCOPE, CLIENTS_SCOPE } from "../admin/access";
import type { Caller } from "../admin/caller";
import type { AppDeps } from "../deps";
import type { SubjectEntitlements } from "../domain";
import { csrfToken } from "../session/csrf";
import { currentSession, type BrowserSession } from "../session/session";

/** The console's reader. */
export interface ConsoleViewer {
  session: BrowserSession;
  /** Entitled to `authbridge:admin`: every client, account, session, key and the audit log. */
  operator: boolean;
  /** Entitled to `authbridge:clients` (or an operator): their own apps and keys. */
  developer: boolean;
  /** The caller for operator services (actor: this account). */
  asOperator: Caller;
  /** The caller for developer services: only what this account owns. */
  asDeveloper: Caller;
  /** The session-bound form token every POST must carry. */
  csrf: string;
}

/**
 * The viewer of this request, or null when nobody is signed in. Entitlements come through the same hook
 * the grants use, so a person who left the team behind `authbridge:admin` loses the console with the next
 * re-sync, as their tokens lose the scope.
 * @example const viewer = await consoleViewer(c, deps, entitlements); if (!viewer) return c.redirect("/signin?to=console");
 */
export async function consoleViewer(c: Context, deps: AppDeps, entitlements: SubjectEntitlements): Promise<ConsoleViewer | null> {
  const session = await currentSession(c, deps);
  if (!session) return null;
  const [{ scopes }, csrf] = await Promise.all([entitlements(session.accountId), csrfToken(deps.config, session.sid)]);
  const operator = (scopes ?? []).includes(ADMIN_SCOPE);
  const developer = operator || (scopes ?? []).includes(CLIENTS_SCOPE);
  return {
    session,
    operator,
    developer,
    asOperator: { kind: "operator", actor: session.accountId },
    asDeveloper: { kind: "developer", accountId: session.accountId },
    csrf,
  };
}
