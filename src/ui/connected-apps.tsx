/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * "Connected apps" on the account page: the third-party apps the person approved — name, where they send
 * sign-ins, the API, the scopes, when — each with a Revoke that forgets the approval and ends the app's
 * tokens for this account.
 */
import { When } from "./when";

/** One connected app (a client, with its approvals for every resource). */
export interface ConnectedApp {
  clientId: string;
  clientName: string;
  redirectHost: string;
  grants: { resourceName: string; resourceUri: string; scopes: string[]; updatedAt: number }[];
}

/** The section. */
export function ConnectedApps(props: { apps: ConnectedApp[]; csrf: string; now: number }) {
  return (
    <section id="connected-apps" aria-labelledby="connected-apps-title">
      <h2 id="connected-apps-title">Connected apps</h2>
      <p class="muted">Apps you allowed to act for you. Revoking one ends everything it holds for your account.</p>
      {props.apps.length === 0 ? (
        <p>No apps are connected to your account.</p>
      ) : (
        <ul id="connected-app-list">
          {props.apps.map((app) => (
            <li data-client-id={app.clientId}>
              <span>
                <strong>{app.clientName}</strong> <span class="muted">sends you back to {app.redirectHost}</span>
                {app.grants.map((g) => (
                  <span style="display:block" title={g.resourceUri}>
                    {g.resourceName}: <code>{g.scopes.join(" ") || "no scopes"}</code>{" "}
                    <span class="muted">
                      · allowed <When at={g.updatedAt} now={props.now} />
                    </span>
                  </span>
                ))}
              </span>
              <form method="post" action="/account/apps/revoke">
                <input type="hidden" name="csrf" value={props.csrf} />
                <input type="hidden" name="client_id" value={app.clientId} />
                <button type="submit" aria-label={`Revoke ${app.clientName}`}>
                  Revoke
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
