/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The pages of RP-initiated logout: "Sign out?" (asked when the request does not prove which session it
 * means: no valid `id_token_hint`), "Signed out" (when there is nowhere registered to go back to), and a
 * refusal, which is an error page like every other (a way out, and the request id to quote).
 */
import type { Context } from "hono";
import { errorPage, PAGE_HEADERS } from "../ui/error-page";
import { Layout } from "../ui/layout";

/** What the confirmation form carries back (validated again when it is posted). */
export interface LogoutFormFields {
  csrf: string;
  clientId: string | undefined;
  postLogoutRedirectUri: string | undefined;
  state: string | undefined;
}

/**
 * The page headers, with the form allowed to lead on to the registered return address: browsers apply
 * `form-action` to the redirect that answers the form too.
 */
function logoutHeaders(returnTo: string | undefined): Record<string, string> {
  if (returnTo === undefined) return { ...PAGE_HEADERS };
  const url = new URL(returnTo);
  const target = url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
  return { ...PAGE_HEADERS, "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"]!.replace("form-action 'self'", `form-action 'self' ${target}`) };
}

const hidden = (name: string, value: string | undefined) => (value === undefined ? null : <input type="hidden" name={name} value={value} />);

/**
 * Ask the signed-in person whether to sign out (`notice`: why the request alone was not enough, if worth saying).
 * @example return confirmLogoutPage(c, { clientName: "Grafana", notice: undefined, fields });
 */
export function confirmLogoutPage(c: Context, v: { clientName: string | undefined; notice: string | undefined; accountLabel: string | undefined; fields: LogoutFormFields }): Response | Promise<Response> {
  return c.html(
    <Layout title="Sign out?">
      <h1>Sign out?</h1>
      <p>
        {v.clientName ? <>{v.clientName} asks to sign you out. </> : null}
        Signing out ends your session here{v.accountLabel ? <> as {v.accountLabel}</> : null}. The apps you signed in to with this session can no longer use it.
      </p>
      {/* After what is asked, next to the answer it bears on: where the person will (not) be sent. */}
      {v.notice ? <p role="alert">{v.notice}</p> : null}
      <form method="post" action="/oidc/logout" class="actions">
        {hidden("csrf", v.fields.csrf)}
        {hidden("client_id", v.fields.clientId)}
        {hidden("post_logout_redirect_uri", v.fields.postLogoutRedirectUri)}
        {hidden("state", v.fields.state)}
        <button type="submit" name="confirm" value="yes" class="primary">
          Sign out
        </button>
        <a class="button" href="/account">
          Stay signed in
        </a>
      </form>
    </Layout>,
    200,
    logoutHeaders(v.fields.postLogoutRedirectUri),
  );
}

/**
 * The end of a logout with no registered return address (or a refused request: `status` 400 and a reason).
 * @example return signedOutPage(c, { status: 200, title: "Signed out", message: "You are signed out." });
 */
export function signedOutPage(c: Context, v: { status: 200 | 400; title: string; message: string }): Response | Promise<Response> {
  if (v.status === 400) return errorPage(c, v);
  return c.html(
    <Layout title={v.title}>
      <h1>{v.title}</h1>
      <p>{v.message}</p>
      <p class="actions">
        <a class="button" href="/">
          Go to the start page
        </a>
      </p>
    </Layout>,
    200,
    { ...PAGE_HEADERS },
  );
}
