/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A specimen of the layout's building blocks for console pages, which are not built yet: the header's nav,
 * the wide column, a table that stacks on a phone, a form with checkboxes, primary and danger buttons,
 * notices and a secret shown once. design.test.ts serves it with our real page headers and checks it like
 * every real page, so the blocks are known to work before a page uses them.
 */
import { Hono } from "hono";
import { PAGE_HEADERS } from "../../src/ui/error-page";
import { PlatformIcon } from "../../src/ui/icons";
import { Layout } from "../../src/ui/layout";
import { When } from "../../src/ui/when";

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const APPS = [
  { name: "Billing service", id: "client_4fTq9w2LmZr8XcVb1NsY7k", lastUsed: NOW - 5 * 60_000, disabled: false },
  { name: "A deploy bot with a rather long name for a narrow phone", id: "client_Qm3Zp7Rt1WxYv9Ks2LnB4d", lastUsed: NOW - 3 * 24 * 3600_000, disabled: true },
];
const SECRET = "cs_live_9c7fQ2mR8tZ1vX4bN6kL3pW0yH5jD7sA2gE9uT1oI4rC8xV6nM3qB0zF5wK2hJ7eY";

/** The specimen app: GET /specimen. */
export function specimenApp(): Hono {
  const app = new Hono();
  app.get("/specimen", (c) =>
    c.html(
      <Layout
        title="Your apps"
        width="wide"
        nav={
          <ul>
            <li>
              <a href="/console/apps" aria-current="page">
                Apps
              </a>
            </li>
            <li>
              <a href="/console/keys">API keys</a>
            </li>
            <li>
              <a href="/console/audit">Audit log</a>
            </li>
          </ul>
        }
      >
        <h1>Your apps</h1>
        <p role="status">The secret of Billing service was reset. Copy it now: it is shown only this once.</p>
        <p class="secret">
          {SECRET}
        </p>
        <p role="alert">Deploy bot is disabled: its tokens are refused until you enable it again.</p>
        <div class="table-wrap">
          <table class="stack">
            <caption>Registered apps</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Client id</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {APPS.map((a) => (
                <tr>
                  <td data-label="Name">{a.name}</td>
                  <td data-label="Client id">
                    <code>{a.id}</code>
                  </td>
                  <td data-label="Last used">
                    <When at={a.lastUsed} now={NOW} />
                  </td>
                  <td data-label="Status">{a.disabled ? "Disabled" : "Active"}</td>
                  <td data-label="Actions">
                    <form method="post" action="/specimen">
                      <button type="submit" class="danger">
                        Delete {a.name}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>Register an app</h2>
        <form class="stacked" method="post" action="/specimen">
          <label>
            Name <input name="name" required />
          </label>
          <label>
            Redirect URIs <span class="hint">One per line, exactly as your app sends them.</span>
            <textarea name="redirect_uris"></textarea>
          </label>
          <fieldset>
            <legend>Grants</legend>
            <label class="check">
              <input type="checkbox" name="grant" value="authorization_code" checked />
              Authorization code (people sign in)
            </label>
            <label class="check">
              <input type="checkbox" name="grant" value="client_credentials" />
              Client credentials (the app acts as itself)
            </label>
          </fieldset>
          <p class="actions">
            <button type="submit" class="primary">
              Register the app
            </button>
            <a class="button" href="/specimen">
              Cancel registering
            </a>
          </p>
        </form>
        <h2>Owner</h2>
        <dl>
          <dt>Account</dt>
          <dd>
            <code>acct_nV55Zm6KKaKWPm2T1Swysw</code>
          </dd>
          <dt>Signed in with</dt>
          <dd>
            <PlatformIcon platform="github" /> GitHub
          </dd>
        </dl>
      </Layout>,
      200,
      { ...PAGE_HEADERS },
    ),
  );
  return app;
}
