/**
 * `/account` (HTML, cookie session), unlink, session revoke and logout. Every POST is CSRF-checked twice:
 * hono/csrf (same origin) and the session-bound form token.
 */
import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import type { Provider } from "../domain";
import { AccountError } from "../accounts/errors";
import { deriveAndPublish } from "../accounts/published-entitlements";
import { listIdentities, unlinkIdentity } from "../accounts/identities";
import type { AppDeps } from "../deps";
import type { Rules } from "../rules/schema";
import { accountPage } from "../ui/account-page";
import { chooserPage } from "../ui/chooser";
import { errorPage } from "../ui/error-page";
import { checkCsrfToken, csrfToken } from "./csrf";
import { clearSessionCookie, currentSession, listSessions, revokeSession, type BrowserSession } from "./session";

const NOTICES: Record<string, string> = {
  unlinked: "The identity was unlinked.",
  revoked: "The session was revoked.",
};

/** Routes of the account page. */
export function accountRoutes(deps: AppDeps, rules: Rules, providers: ReadonlyMap<string, Provider>) {
  const app = new Hono();
  app.use("/account/*", csrf({ origin: deps.config.issuer }));
  app.use("/logout", csrf({ origin: deps.config.issuer }));

  const signInAgain = (c: Context) => errorPage(c, { status: 401, title: "Signed out", message: "Please sign in again.", link: { href: "/", label: "Home" } });

  /** The session of a POST whose form token is right, or null. */
  async function postSession(c: Context): Promise<BrowserSession | null> {
    const session = await currentSession(c, deps);
    if (!session) return null;
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof body.csrf === "string" ? body.csrf : undefined;
    return (await checkCsrfToken(deps.config, session.sid, token)) ? session : null;
  }

  app.get("/account", async (c) => {
    const session = await currentSession(c, deps);
    if (!session) return c.redirect("/signin", 302);
    const [identities, sessions, csrfValue] = await Promise.all([
      listIdentities(deps.db, session.accountId),
      listSessions(deps, session.accountId),
      csrfToken(deps.config, session.sid),
    ]);
    return accountPage(c, {
      accountId: session.accountId,
      currentSid: session.sid,
      csrf: csrfValue,
      identities: identities.map((i) => ({ id: i.id, provider: i.provider, subject: i.subject, username: i.username, avatar: i.avatar })),
      sessions,
      linkable: [...providers.values()].map((p) => ({ id: p.id, label: p.label })),
      notice: NOTICES[c.req.query("done") ?? ""],
    });
  });

  // Signing in to the account page itself (not on behalf of a client).
  app.get("/signin", (c) =>
    chooserPage(
      c,
      "your account",
      [...providers.values()].map((p) => ({ label: p.label, href: `/auth/${p.id}/start?intent=login&return_to=%2Faccount` })),
    ),
  );
  app.get("/", (c) => c.redirect("/account", 302));

  app.post("/account/identities/:id/unlink", async (c) => {
    const session = await postSession(c);
    if (!session) return signInAgain(c);
    try {
      await unlinkIdentity(deps.db, session.accountId, c.req.param("id"), deps.now());
    } catch (e) {
      if (!(e instanceof AccountError)) throw e;
      return errorPage(c, { status: e.code === "not_found" ? 404 : 409, title: "Cannot unlink", message: e.message, link: { href: "/account", label: "Back" } });
    }
    await deriveAndPublish(deps, rules, session.accountId, deps.now());
    return c.redirect("/account?done=unlinked", 303);
  });

  app.post("/account/sessions/:sid/revoke", async (c) => {
    const session = await postSession(c);
    if (!session) return signInAgain(c);
    const sid = c.req.param("sid");
    if (!(await revokeSession(deps, session.accountId, sid, session.accountId)))
      return errorPage(c, { status: 404, title: "No such session", message: "That session is not one of yours.", link: { href: "/account", label: "Back" } });
    if (sid === session.sid) {
      clearSessionCookie(c, deps);
      return c.redirect("/", 303);
    }
    return c.redirect("/account?done=revoked", 303);
  });

  app.post("/logout", async (c) => {
    const session = await postSession(c);
    if (session) await revokeSession(deps, session.accountId, session.sid, session.accountId);
    clearSessionCookie(c, deps);
    return c.redirect("/", 303);
  });

  return app;
}
