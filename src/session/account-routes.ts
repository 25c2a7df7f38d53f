/**
 * `/account` (HTML, cookie session), unlink, session revoke, the account's own API keys (create, revoke),
 * connected apps (revoke) and logout. Every POST is CSRF-checked twice: hono/csrf (same origin) and the
 * session-bound form token.
 */
import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import type { Provider } from "../domain";
import { getEntitlements } from "../accounts/entitlements";
import { AccountError } from "../accounts/errors";
import { deriveAndPublish } from "../accounts/published-entitlements";
import { listIdentities, unlinkIdentity } from "../accounts/identities";
import { ApiKeyError, createApiKey, getApiKey, listApiKeys, type ApiKeyOwner } from "../apikeys/registry";
import { revokeApiKeyEverywhere } from "../apikeys/revoke";
import { connectedApps } from "../consent/connected-apps";
import { revokeConsent } from "../consent/consents";
import type { AppDeps } from "../deps";
import type { Rules } from "../rules/schema";
import { accountPage, API_KEY_EXPIRIES, type AccountView } from "../ui/account-page";
import { chooserPage } from "../ui/chooser";
import { errorPage } from "../ui/error-page";
import { formAlreadySentPage } from "../ui/form-already-sent";
import { checkCsrfToken, csrfToken } from "./csrf";
import { FORM_ONCE_FIELD, issueFormOnce, spendFormOnce } from "./form-once";
import { clearSessionCookie, currentSession, listSessions, revokeSession, type BrowserSession } from "./session";

const NOTICES: Record<string, string> = {
  unlinked: "The identity was unlinked.",
  revoked: "The session was revoked.",
  "key-revoked": "The API key was revoked.",
  "app-revoked": "The app was disconnected: it can no longer act for you.",
};

/** A form field that may be sent several times (checkboxes), as a list of its string values. */
function formList(value: unknown): string[] {
  const all = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  return all.filter((v): v is string => typeof v === "string");
}

/** Routes of the account page. */
export function accountRoutes(deps: AppDeps, rules: Rules, providers: ReadonlyMap<string, Provider>) {
  const app = new Hono();
  app.use("/account/*", csrf({ origin: deps.config.issuer }));
  app.use("/logout", csrf({ origin: deps.config.issuer }));

  const signInAgain = (c: Context) => errorPage(c, { status: 401, title: "Signed out", message: "Please sign in again.", link: { href: "/", label: "Home" } });

  /** The session and form of a POST whose form token is right, or null. Repeated fields come as lists. */
  async function postForm(c: Context): Promise<{ session: BrowserSession; form: Record<string, unknown> } | null> {
    const session = await currentSession(c, deps);
    if (!session) return null;
    const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
    // A token sent twice arrives as a list, and is refused like a missing one.
    const token = typeof form.csrf === "string" ? form.csrf : undefined;
    return (await checkCsrfToken(deps.config, session.sid, token)) ? { session, form } : null;
  }

  /** The session of a POST whose form token is right, or null. */
  async function postSession(c: Context): Promise<BrowserSession | null> {
    return (await postForm(c))?.session ?? null;
  }

  const ownKeys = (accountId: string): ApiKeyOwner => ({ kind: "account", accountId });

  /** The account page of `session`, with a notice or a key just created (shown this once). */
  async function showAccount(c: Context, session: BrowserSession, extra: Pick<AccountView, "notice" | "newKey">) {
    const [identities, sessions, csrfValue, keys, entitled, apps, keyFormOnce] = await Promise.all([
      listIdentities(deps.db, session.accountId),
      listSessions(deps, session.accountId),
      csrfToken(deps.config, session.sid),
      listApiKeys(deps.db, ownKeys(session.accountId)),
      getEntitlements(deps.db, session.accountId),
      connectedApps(deps, session.accountId),
      issueFormOnce(deps.store, session.sid),
    ]);
    return accountPage(c, {
      accountId: session.accountId,
      currentSid: session.sid,
      csrf: csrfValue,
      keyFormOnce,
      now: deps.now(),
      identities: identities.map((i) => ({ id: i.id, provider: i.provider, subject: i.subject, username: i.username, avatar: i.avatar })),
      sessions,
      linkable: [...providers.values()].map((p) => ({ id: p.id, label: p.label })),
      // A revoked key can do nothing more: the list is of the keys that still can.
      apiKeys: keys.filter((k) => k.revokedAt === null),
      entitledScopes: entitled?.scopes ?? [],
      connectedApps: apps,
      ...extra,
    });
  }

  app.get("/account", async (c) => {
    const session = await currentSession(c, deps);
    if (!session) return c.redirect("/signin", 302);
    return showAccount(c, session, { notice: NOTICES[c.req.query("done") ?? ""] });
  });

  // Signing in to our own pages (not on behalf of a client): the account page, or the console.
  app.get("/signin", (c) => {
    const toConsole = c.req.query("to") === "console";
    const returnTo = encodeURIComponent(toConsole ? "/console" : "/account");
    return chooserPage(
      c,
      toConsole ? "the console" : "your account",
      [...providers.values()].map((p) => ({ label: p.label, href: `/auth/${p.id}/start?intent=login&return_to=${returnTo}` })),
    );
  });
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

  // Answers 200 with the page itself, never a redirect: the key is in this one response body and nowhere
  // else (no URL, no cookie, no later page), and the page is no-store.
  app.post("/account/api-keys", async (c) => {
    const posted = await postForm(c);
    if (!posted) return signInAgain(c);
    const { session, form } = posted;
    const cannot = (message: string) => errorPage(c, { status: 400, title: "Cannot create the key", message, link: { href: "/account", label: "Back" } });
    const name = typeof form.name === "string" ? form.name.trim() : "";
    if (name === "") return cannot("Give the key a name, so you can tell it apart later.");
    if (name.length > 100) return cannot("Keep the name to 100 characters.");
    const expiry = API_KEY_EXPIRIES.find((e) => e.value === (typeof form.expires === "string" ? form.expires : "never"));
    if (!expiry) return cannot("Pick when the key expires from the list.");
    const ticked = [...new Set(formList(form.scope))];
    // Only scopes the account holds now: a key can never carry more anyway, so anything else is a stale or forged form.
    const entitled = new Set((await getEntitlements(deps.db, session.accountId))?.scopes ?? []);
    const foreign = ticked.filter((s) => !entitled.has(s));
    if (foreign.length > 0) return cannot(`Not among your scopes: ${foreign.join(", ")}. Reload the page and pick again.`);
    if (!(await spendFormOnce(deps.store, form[FORM_ONCE_FIELD], session.sid)))
      return formAlreadySentPage(c, "A key was created from it and shown that once. If that key is lost, revoke it and create a new one.", { href: "/account", label: "Back to your account" });
    let created;
    try {
      created = await createApiKey(
        deps.db,
        deps.config.secret,
        {
          owner: ownKeys(session.accountId),
          name,
          // None ticked: whatever the account is entitled to at each use.
          scopes: ticked.length > 0 ? ticked : null,
          ...(expiry.seconds !== null ? { expiresInSeconds: expiry.seconds } : {}),
          createdBy: session.accountId,
        },
        deps.now(),
      );
    } catch (e) {
      if (e instanceof ApiKeyError) return cannot(e.message);
      throw e;
    }
    return showAccount(c, session, { newKey: { name: created.apiKey.name, key: created.key } });
  });

  app.post("/account/api-keys/:id/revoke", async (c) => {
    const session = await postSession(c);
    if (!session) return signInAgain(c);
    // Found only when this account owns it: another account's key id gets the same answer as a made-up one.
    const key = await getApiKey(deps.db, c.req.param("id"), ownKeys(session.accountId));
    if (!key) return errorPage(c, { status: 404, title: "No such key", message: "That API key is not one of yours.", link: { href: "/account", label: "Back" } });
    // A second click (a resubmitted form) finds it revoked already: no second mark, same answer.
    if (key.revokedAt === null) await revokeApiKeyEverywhere(deps, key, session.accountId);
    return c.redirect("/account?done=key-revoked", 303);
  });

  app.post("/account/apps/revoke", async (c) => {
    const posted = await postForm(c);
    if (!posted) return signInAgain(c);
    const clientId = typeof posted.form.client_id === "string" ? posted.form.client_id : "";
    // Found only among this account's own consents: another account's app gets the same answer as none.
    if (!(await revokeConsent(deps, posted.session.accountId, clientId)))
      return errorPage(c, { status: 404, title: "No such app", message: "That app is not connected to your account.", link: { href: "/account", label: "Back" } });
    return c.redirect("/account?done=app-revoked", 303);
  });

  app.post("/logout", async (c) => {
    const session = await postSession(c);
    if (session) await revokeSession(deps, session.accountId, session.sid, session.accountId);
    clearSessionCookie(c, deps);
    return c.redirect("/", 303);
  });

  return app;
}
