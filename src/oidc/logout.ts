/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at `GET|POST /oidc/logout`, the discovery
 * document's `end_session_endpoint`.
 *
 * - With a valid `id_token_hint` (ours, expired or not), the session it names ends at once — the row, and
 *   every token carrying its `sid` through one revocation mark — and so does this browser's session when it
 *   is the same account's. The hint names the client; `client_id`, when also sent, must be the same.
 * - Without one, nothing says which session is meant (and a GET can be sent by any page): a signed-in
 *   person is asked, with a form bound to their session, and only their answer ends it.
 * - `post_logout_redirect_uri` is followed only when it is registered for that client, exactly (by the
 *   operator, at `/register`, or in the client's metadata document: oidc/settings-for-client.ts); with
 *   `state` appended. Any other address is never redirected to: the person sees a page instead.
 * The endpoint takes cross-site form posts from relying parties (the spec allows POST), so it is not
 * behind the same-origin check of our own forms; the confirmation form carries the session-bound token.
 * Hints are limited per address like `/authorize` (checking one costs a signature), and a session already
 * ended is not ended again: a replayed hint writes nothing.
 */
import { and, eq, isNull } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { listIdentities } from "../accounts/identities";
import { sessions } from "../db/schema";
import type { AppDeps } from "../deps";
import { limitAddress } from "../ratelimit/middleware";
import { MAX_FORM_BYTES, readBodyText } from "../oauth/form";
import { checkCsrfToken, csrfToken } from "../session/csrf";
import { clearSessionCookie, currentSession, revokeSession, type BrowserSession } from "../session/session";
import { readIdTokenHint, type IdTokenHint } from "./id-token-hint";
import { confirmLogoutPage, signedOutPage } from "./logout-page";
import { settingsForClient } from "./settings-for-client";

/** Path of the end-session endpoint. */
export const END_SESSION_PATH = "/oidc/logout";

/** The parameters of a logout request (each at most once; the last wins, like the spec's serialization). */
interface LogoutParams {
  idTokenHint: string | undefined;
  clientId: string | undefined;
  postLogoutRedirectUri: string | undefined;
  state: string | undefined;
  /** The confirmation form's token (our own form only). */
  csrf: string | undefined;
}

async function readParams(c: Context): Promise<LogoutParams> {
  let params = new URL(c.req.url).searchParams;
  if (c.req.method === "POST") {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const text = type === "application/x-www-form-urlencoded" ? await readBodyText(c, MAX_FORM_BYTES).catch(() => "") : "";
    params = new URLSearchParams(text);
  }
  const get = (k: string) => {
    const v = params.get(k);
    return v === null || v === "" ? undefined : v.slice(0, 8192);
  };
  return { idTokenHint: get("id_token_hint"), clientId: get("client_id"), postLogoutRedirectUri: get("post_logout_redirect_uri"), state: get("state"), csrf: get("csrf") };
}

/** Where to send the person afterwards: the URI when registered for the client (exactly), else why not. */
async function returnAddress(deps: AppDeps, clientId: string | undefined, uri: string | undefined): Promise<{ uri: string | undefined; refused: string | undefined; clientName: string | undefined }> {
  const client = clientId ? await deps.findClient(clientId) : undefined;
  const live = client && client.disabledAt === null ? client : undefined;
  if (uri === undefined) return { uri: undefined, refused: undefined, clientName: live?.name };
  if (!live) return { uri: undefined, refused: "The application that sent you here is not known, so you are not sent back to it.", clientName: undefined };
  const { postLogoutRedirectUris } = await settingsForClient(deps, live);
  if (!postLogoutRedirectUris.includes(uri))
    return { uri: undefined, refused: `The address ${live.name} asked to return to after signing out is not registered for it, so you are not sent there.`, clientName: live.name };
  return { uri, refused: undefined, clientName: live.name };
}

function backTo(c: Context, uri: string, state: string | undefined): Response {
  const url = new URL(uri);
  if (state !== undefined) url.searchParams.set("state", state);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  return c.redirect(url.toString(), c.req.method === "POST" ? 303 : 302);
}

/** Whether `sid` is a live (not yet revoked) session of `accountId`. */
async function isLive(deps: AppDeps, accountId: string, sid: string): Promise<boolean> {
  const rows = await deps.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.id, sid), eq(sessions.accountId, accountId), isNull(sessions.revokedAt)))
    .limit(1);
  return rows.length > 0;
}

/** End the hint's session, and this browser's session when it is the same account's. */
async function endSessions(c: Context, deps: AppDeps, hint: IdTokenHint, browser: BrowserSession | null): Promise<void> {
  if (hint.sid && (await isLive(deps, hint.sub, hint.sid))) await revokeSession(deps, hint.sub, hint.sid, hint.sub);
  if (browser && browser.accountId === hint.sub) {
    if (browser.sid !== hint.sid) await revokeSession(deps, browser.accountId, browser.sid, browser.accountId);
    clearSessionCookie(c, deps);
  }
}

/** Routes: `GET` and `POST` {@link END_SESSION_PATH}. */
export function logoutRoutes(deps: AppDeps) {
  const app = new Hono();
  const refused = (c: Context, message: string) => signedOutPage(c, { status: 400, title: "Sign-out not possible", message });

  app.on(["GET", "POST"], END_SESSION_PATH, async (c) => {
    const p = await readParams(c);
    const browser = await currentSession(c, deps);

    // Our own confirmation form: the answer of the person whose session it is.
    if (c.req.method === "POST" && p.csrf !== undefined) {
      if (!browser || !(await checkCsrfToken(deps.config, browser.sid, p.csrf))) return refused(c, "This sign-out form has expired. You may already be signed out.");
      await revokeSession(deps, browser.accountId, browser.sid, browser.accountId);
      clearSessionCookie(c, deps);
      const back = await returnAddress(deps, p.clientId, p.postLogoutRedirectUri);
      if (back.uri) return backTo(c, back.uri, p.state);
      return signedOutPage(c, { status: 200, title: "Signed out", message: "You are signed out." });
    }

    let clientId = p.clientId;
    let hint: IdTokenHint | null = null;
    if (p.idTokenHint !== undefined) {
      const limited = await limitAddress(c, deps, deps.rateLimiter, { name: "logout", limit: Math.ceil(deps.config.rateLimitPerMinute / 10), windowSeconds: 60 });
      if (limited) return limited;
      hint = await readIdTokenHint(deps.keys, deps.config.issuer, p.idTokenHint);
      if (!hint) return refused(c, "The application's sign-out request carries a token this server did not issue. Nothing was changed.");
      if (clientId !== undefined && clientId !== hint.clientId) return refused(c, "The sign-out request names two different applications. Nothing was changed.");
      clientId = hint.clientId;
    }
    const back = await returnAddress(deps, clientId, p.postLogoutRedirectUri);

    if (hint && !back.refused) {
      await endSessions(c, deps, hint, browser);
      if (back.uri) return backTo(c, back.uri, p.state);
      return signedOutPage(c, { status: 200, title: "Signed out", message: "You are signed out." });
    }
    if (!browser) {
      // Nothing to end here; a registered address may be followed (it is the client's own).
      if (back.uri) return backTo(c, back.uri, p.state);
      return back.refused ? refused(c, back.refused) : signedOutPage(c, { status: 200, title: "Signed out", message: "You are not signed in." });
    }
    const identities = await listIdentities(deps.db, browser.accountId);
    return confirmLogoutPage(c, {
      clientName: back.clientName,
      notice: back.refused,
      accountLabel: identities.find((i) => i.username)?.username ?? undefined,
      fields: { csrf: await csrfToken(deps.config, browser.sid), clientId, postLogoutRedirectUri: back.uri, state: back.uri ? p.state : undefined },
    });
  });
  return app;
}
