/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * What an account can act with, on its page: its live browser sessions (each revocable, after a
 * confirmation page), its personal API keys (each revocable, after one too) and the apps it owns. Lists
 * read in words; no key or secret is ever on the page, only a key's hint.
 */
import type { ManagedClient } from "../../admin/client-view";
import type { SessionView } from "../../admin/sessions";
import type { ApiKey } from "../../apikeys/registry";
import { When } from "../../ui/when";
import { ButtonLink, ClientLink, Codes } from "./parts";

/** A session's or key's path under the account's page. */
const under = (accountId: string, rest: string) => `/console/admin/accounts/${encodeURIComponent(accountId)}/${rest}`;

/**
 * The account's live sessions, each with its revoke button (to the confirmation page).
 * @example <Sessions accountId={id} name="alice" sessions={list} now={now} />
 */
export function Sessions(props: { accountId: string; name: string; sessions: SessionView[]; blocked: boolean; now: number }) {
  return (
    <section aria-labelledby="sessions-title" id="sessions">
      <h2 id="sessions-title">Sessions</h2>
      {/* The block's revocation mark ends them; their rows stay unrevoked, so say it rather than list them as live. */}
      {props.blocked && props.sessions.length > 0 ? <p class="muted">The block ended these sessions: none of them can be used while the account is blocked.</p> : null}
      {props.sessions.length === 0 ? (
        <p>No live sessions.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col">Browser</th>
                <th scope="col">Session id</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.sessions.map((s) => (
                <tr data-session-id={s.id}>
                  <td data-label="Signed in">
                    <When at={s.createdAt} now={props.now} />
                  </td>
                  <td data-label="Last seen">
                    <When at={s.lastSeenAt} now={props.now} />
                  </td>
                  <td data-label="Browser">{s.userAgent ?? <span class="muted">unknown</span>}</td>
                  <td data-label="Session id">
                    <code>{s.id}</code>
                  </td>
                  <td data-label="Actions">
                    <ButtonLink href={under(props.accountId, `sessions/${encodeURIComponent(s.id)}/revoke`)} variant="danger" ariaLabel={`Revoke session ${s.id} of ${props.name}`}>
                      Revoke…
                    </ButtonLink>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A key's state in words. */
function KeyState(props: { k: ApiKey; now: number }) {
  const { k, now } = props;
  if (k.revokedAt !== null)
    return (
      <>
        Revoked <When at={k.revokedAt} now={now} />
      </>
    );
  if (k.expiresAt !== null && k.expiresAt <= now)
    return (
      <>
        Expired <When at={k.expiresAt} now={now} />
      </>
    );
  return k.expiresAt === null ? (
    <>Live, never expires</>
  ) : (
    <>
      Live, expires <When at={k.expiresAt} now={now} />
    </>
  );
}

/**
 * The account's personal API keys (by name and hint), live ones with a revoke button.
 * @example <ApiKeys accountId={id} name="alice" keys={keys} now={now} />
 */
export function ApiKeys(props: { accountId: string; name: string; keys: ApiKey[]; now: number }) {
  return (
    <section aria-labelledby="api-keys-title" id="api-keys">
      <h2 id="api-keys-title">API keys</h2>
      {props.keys.length === 0 ? (
        <p>No API keys.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr data-key-id={k.id}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Key">
                    <code>{k.hint}</code>
                  </td>
                  <td data-label="Scopes">{k.scopes === null ? "everything the account is entitled to" : <Codes items={k.scopes} none="none" />}</td>
                  <td data-label="Created">
                    <When at={k.createdAt} now={props.now} />
                  </td>
                  <td data-label="Last used">{k.lastUsedAt === null ? "never" : <When at={k.lastUsedAt} now={props.now} />}</td>
                  <td data-label="State">
                    <span>
                      <KeyState k={k} now={props.now} />
                    </span>
                  </td>
                  <td data-label="Actions">
                    {k.revokedAt === null ? (
                      <ButtonLink href={under(props.accountId, `api-keys/${encodeURIComponent(k.id)}/revoke`)} variant="danger" ariaLabel={`Revoke API key ${k.name} of ${props.name}`}>
                        Revoke…
                      </ButtonLink>
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The apps (clients) the account owns as a developer.
 * @example <OwnedApps apps={page.items} />
 */
export function OwnedApps(props: { apps: ManagedClient[] }) {
  return (
    <section aria-labelledby="apps-title" id="apps">
      <h2 id="apps-title">Apps it owns</h2>
      {props.apps.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {props.apps.map((a) => (
            <li data-client-id={a.id}>
              <span>
                <ClientLink id={a.id} name={a.name} /> <code>{a.id}</code>
              </span>
              <span>{a.disabledAt === null ? "Enabled" : <strong>Disabled</strong>}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
