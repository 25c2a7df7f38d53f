/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The consent screen: what a third-party app asks for, in words, before it gets a code. It names the app
 * (as the app names itself — said plainly, since nobody here vouched for it), where the answer goes (the
 * redirect URI's host, with a warning when that is this very device), the API the token is for — or, for a
 * sign-in, that the app learns who the person is on this server (its URI would mean nothing to them) — and
 * each scope with its description. Approve or Deny post one CSRF-protected form; no script.
 */
import type { Context } from "hono";
import { PAGE_HEADERS } from "./error-page";
import { Layout } from "./layout";

/** One scope as the screen shows it. */
export interface ConsentScope {
  scope: string;
  /** The resource's words for it; absent: the scope token alone is shown. */
  description?: string | undefined;
  /** False when the account is not entitled to it right now (it will be left out of tokens until it is). */
  heldNow: boolean;
}

/**
 * What the token is for: a registered resource (an API, shown by name and URI), or a sign-in, whose token
 * is for this server's own UserInfo and is shown as this server's host.
 */
export type ConsentTarget = { kind: "resource"; name: string; uri: string } | { kind: "sign-in"; host: string };

/** What the screen shows. */
export interface ConsentView {
  /** The pending request's id (hidden field) and the session's form token. */
  requestId: string;
  csrf: string;
  clientName: string;
  /** Where the app's client id document lives (metadata-document clients), else undefined. */
  clientHost?: string | undefined;
  /** The host the answer is sent to (`localhost:8976`, `app.example.com`, a private-use scheme). */
  redirectHost: string;
  /** The redirect URI goes to this device (localhost, 127.0.0.1, ::1). */
  loopback: boolean;
  target: ConsentTarget;
  scopes: ConsentScope[];
  /** The signed-in person, as they would recognise themselves (a username), when known. */
  accountLabel?: string | undefined;
}

/**
 * The page's headers: ours, with `form-action` also allowing the redirect URI's origin — Chromium applies
 * `form-action` to the redirect that follows a form post, and Approve/Deny end in one to the app.
 */
export function consentHeaders(redirectUri: string): Record<string, string> {
  const url = new URL(redirectUri);
  const target = url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
  return { ...PAGE_HEADERS, "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"]!.replace("form-action 'self'", `form-action 'self' ${target}`) };
}

/**
 * Answer with the consent screen.
 * @example return consentPage(c, view, consentHeaders(redirectUri));
 */
export function consentPage(c: Context, v: ConsentView, headers: Record<string, string>): Response | Promise<Response> {
  const signIn = v.target.kind === "sign-in";
  return c.html(
    <Layout title={signIn ? `Sign in to ${v.clientName}?` : `Allow ${v.clientName}?`}>
      <h1 id="consent-title">
        {signIn ? (
          <>
            Sign in to <span id="consent-client">{v.clientName}</span>?
          </>
        ) : (
          <>
            Allow <span id="consent-client">{v.clientName}</span> to use your account?
          </>
        )}
      </h1>
      <p class="muted">
        {v.accountLabel ? <>Signed in as {v.accountLabel}. </> : null}
        This app was not set up by the people who run this server: the name above is what the app says about itself.
      </p>
      <dl id="consent-details">
        {v.clientHost ? (
          <>
            <dt>Published by</dt>
            <dd>{v.clientHost}</dd>
          </>
        ) : null}
        <dt>Sends you back to</dt>
        <dd id="consent-redirect-host">{v.redirectHost}</dd>
        <dt>For</dt>
        <dd id="consent-resource">
          {v.target.kind === "sign-in" ? (
            <>
              Signing you in with your account on {v.target.host}. The app learns who you are and gets no access to anything else.
            </>
          ) : (
            <>
              {v.target.name}
              <span class="hint">
                <code>{v.target.uri}</code>
              </span>
            </>
          )}
        </dd>
      </dl>
      {v.loopback ? (
        <p role="alert" id="consent-loopback">
          This app receives your sign-in on this device ({v.redirectHost}). Approve only if you just started it yourself from a program on this computer.
        </p>
      ) : null}
      <h2>It will be able to</h2>
      <ul class="bullets" id="consent-scopes">
        {v.scopes.map((s) => (
          <li data-scope={s.scope}>
            {s.description ?? <code>{s.scope}</code>}
            {s.description ? (
              <>
                {" "}
                <span class="muted">
                  (<code>{s.scope}</code>)
                </span>
              </>
            ) : null}
            {s.heldNow ? null : <span class="muted"> — you do not have this now; it is left out until you do</span>}
          </li>
        ))}
      </ul>
      <p class="muted">You can disconnect it at any time under Connected apps on your account page.</p>
      <form method="post" action="/authorize/consent" class="actions">
        <input type="hidden" name="req" value={v.requestId} />
        <input type="hidden" name="csrf" value={v.csrf} />
        <button type="submit" name="decision" value="approve" class="primary">
          Allow {v.clientName}
        </button>
        <button type="submit" name="decision" value="deny">
          Deny
        </button>
      </form>
    </Layout>,
    200,
    headers,
  );
}
