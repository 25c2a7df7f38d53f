/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The dev login picker page (AUTHBRIDGE_DEV_LOGIN on a localhost issuer): a form that POSTs a made-up
 * identity to the dev callback, carrying the flow's `state` so it goes through the same flow-cookie and
 * state checks as real providers. Rendered in the shared layout (doctype, viewport, `<main>`, dark scheme);
 * JSX escapes every value. The dev connector (providers/dev.ts) receives this page as an option and parses
 * what it posts.
 */
import type { Context } from "hono";
import { PAGE_HEADERS } from "./error-page";
import { PlatformIcon } from "./icons";
import { Layout } from "./layout";

/**
 * The picker's form posts to our callback, which answers with a redirect chain ending at the client's
 * redirect URI; browsers apply `form-action` to every hop of that chain, so `'self'` would block the last
 * one. The picker is a localhost-only page; it keeps every other restriction.
 */
const DEV_PAGE_CSP = (PAGE_HEADERS["Content-Security-Policy"] ?? "").replace(/form-action [^;]+;\s*/, "");

/**
 * Render the picker.
 * @example return devLoginPage(c, { action: `${issuer}/auth/dev/callback`, state: flow.state });
 */
export function devLoginPage(c: Context, opts: { action: string; state: string }): Response | Promise<Response> {
  const page = (
    <Layout title="Dev login">
      <h1>Dev login</h1>
      <p>Local development only: pick a made-up identity. The platform decides which facts the rules see.</p>
      <form class="stacked" method="post" action={opts.action}>
        <input type="hidden" name="state" value={opts.state} />
        <label>
          Platform{" "}
          <select name="impersonate">
            <option value="github">GitHub</option>
            <option value="discord">Discord</option>
            <option value="slack">Slack</option>
          </select>
        </label>
        <label>
          Subject id <input name="subject" value="1001" required />
        </label>
        <label>
          Username <input name="username" value="dev-user" required />
        </label>
        <label>
          Email (treated as verified) <input name="email" type="email" />
        </label>
        <p class="hint">In the lists below, separate entries with spaces or commas.</p>
        <fieldset>
          <legend>
            <PlatformIcon platform="github" /> GitHub
          </legend>
          <label>
            Orgs <input name="orgs" placeholder="acme" />
          </label>
          <label>
            Teams <input name="teams" placeholder="acme/platform" />
          </label>
        </fieldset>
        <fieldset>
          <legend>
            <PlatformIcon platform="discord" /> Discord
          </legend>
          <label>
            Guild ids <input name="guilds" />
          </label>
          <label>
            Roles as guild:role <input name="roles" />
          </label>
        </fieldset>
        <fieldset>
          <legend>
            <PlatformIcon platform="slack" /> Slack
          </legend>
          <label>
            Team id <input name="team" placeholder="T0001" />
          </label>
          <label>
            Enterprise id <input name="enterprise" />
          </label>
        </fieldset>
        <p class="actions">
          <button class="primary" type="submit">
            Sign in
          </button>
        </p>
      </form>
    </Layout>
  );
  return c.html(page, 200, { ...PAGE_HEADERS, "Content-Security-Policy": DEV_PAGE_CSP });
}
