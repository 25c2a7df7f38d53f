/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The developer's app pages as views (no data access): the list, the register form, one app with its
 * edit form and actions, and the pages that show a secret once.
 */
import type { Child } from "hono/jsx";
import type { ManagedClient } from "../../admin/client-view";
import { When } from "../../ui/when";
import { CsrfField, FormProblems, OnceField, PostButton, type FormProblem } from "../shared/forms";
import { SecretOnce } from "../shared/secret";
import { ACTION_ROWS, NOWRAP } from "../shared/styles";
import { type AppFormValues } from "./app-form";
import { AppFields } from "./app-form-view";
import { OidcDetails } from "../shared/oidc-details";
import { CodeList } from "../shared/code-list";

/** The path of an app's page. */
export const appPath = (id: string) => `/console/apps/${encodeURIComponent(id)}`;

/** An app's type in words. */
const kindOf = (a: ManagedClient) => (a.isPublic ? "Public" : "Confidential");

/** An app's status in words. */
const statusOf = (a: ManagedClient) => (a.disabledAt === null ? "Enabled" : "Disabled");

/**
 * When an app was last used, as far as it is recorded: the registry writes a client's last use at most
 * once a day, and (so far) only for dynamically registered clients, so a developer's app reads "not
 * recorded" until it records theirs too. Never "never": no record is not proof of no use.
 */
function LastUsed(props: { app: ManagedClient; now: number }) {
  if (props.app.lastUsedAt === null) return <span class="muted">not recorded</span>;
  return <When at={props.app.lastUsedAt} now={props.now} />;
}

/** `/console/apps`: the developer's apps, with when each was registered and last used. */
export function AppsList(props: { apps: readonly ManagedClient[]; now: number; notice?: string | undefined }) {
  return (
    <>
      <h1>Your apps</h1>
      {props.notice ? <p role="status">{props.notice}</p> : null}
      <p class="actions">
        <a class="button primary" href="/console/apps/new">
          Register an app
        </a>
      </p>
      {props.apps.length === 0 ? (
        <p>You have not registered an app yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack" id="apps">
            <caption>Apps you registered, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Client id</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Registered</th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {props.apps.map((a) => (
                <tr data-client-id={a.id}>
                  <td data-label="Name">
                    <a href={appPath(a.id)}>{a.name}</a>
                  </td>
                  <td data-label="Client id">
                    <code>{a.id}</code>
                  </td>
                  <td data-label="Type">{kindOf(a)}</td>
                  <td data-label="Status">{a.disabledAt === null ? statusOf(a) : <strong>{statusOf(a)}</strong>}</td>
                  <td data-label="Registered" style={NOWRAP}>
                    <When at={a.createdAt} now={props.now} />
                  </td>
                  <td data-label="Last used" style={NOWRAP}>
                    <LastUsed app={a} now={props.now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** `/console/apps/new`: the register form (again with its problems when they came back). */
export function RegisterApp(props: { csrf: string; once: string; values: AppFormValues; problems: readonly FormProblem[]; offered: readonly string[] }) {
  return (
    <>
      <h1>Register an app</h1>
      <p class="muted">A confidential app gets a client secret, shown once when you register it.</p>
      <FormProblems problems={props.problems} />
      <form method="post" action="/console/apps" class="stacked">
        <CsrfField token={props.csrf} />
        <OnceField token={props.once} />
        <AppFields mode="register" values={props.values} problems={props.problems} offered={props.offered} />
        <p class="actions">
          <button type="submit" class="primary">
            Register the app
          </button>
          <a class="button" href="/console/apps">
            Cancel
          </a>
        </p>
      </form>
    </>
  );
}

/** The answer to a registration: the client id, and the secret this one time. */
export function AppRegistered(props: { app: ManagedClient; secret: string | undefined }) {
  const { app } = props;
  return (
    <>
      <h1>“{app.name}” is registered</h1>
      <dl>
        <dt>Client id</dt>
        <dd>
          <code id="client-id" class="id">
            {app.id}
          </code>
        </dd>
        <dt>Type</dt>
        <dd>{kindOf(app)}</dd>
      </dl>
      {props.secret !== undefined ? (
        <SecretOnce id="client-secret" label={`Client secret of ${app.name}`} value={props.secret}>
          <p class="muted">The app authenticates at /token with its client id and this secret (HTTP Basic). Keep it on the server only.</p>
        </SecretOnce>
      ) : (
        <p>A public app has no secret: it proves itself with PKCE each time it signs someone in.</p>
      )}
      <p class="actions">
        <a class="button primary" href={appPath(app.id)}>
          {props.secret !== undefined ? "I have copied it: go to the app" : "Go to the app"}
        </a>
      </p>
    </>
  );
}

/** The answer to a secret reset: the new secret, this one time. */
export function SecretWasReset(props: { app: ManagedClient; secret: string }) {
  return (
    <>
      <h1>New secret for “{props.app.name}”</h1>
      <p>The old secret stopped working just now. Give the app this one.</p>
      <SecretOnce id="client-secret" label={`New client secret of ${props.app.name}`} value={props.secret} />
      <p class="actions">
        <a class="button primary" href={appPath(props.app.id)}>
          I have copied it: back to the app
        </a>
      </p>
    </>
  );
}

/** Inputs of {@link AppDetail}. */
export interface AppDetailProps {
  app: ManagedClient;
  csrf: string;
  now: number;
  /** The edit form's values: the app's own, or what came back with problems. */
  values: AppFormValues;
  problems: readonly FormProblem[];
  offered: readonly string[];
  notice?: string | undefined;
}

/** One action row: what it does, and the control that does it. */
function ActionRow(props: { title: string; hint: string; children: Child }) {
  return (
    <li>
      <span>
        <strong>{props.title}</strong>
        <span class="hint">{props.hint}</span>
      </span>
      {props.children}
    </li>
  );
}

/** `/console/apps/:id`: the app's details, its edit form and its actions (destructive ones confirm first). */
export function AppDetail(props: AppDetailProps) {
  const { app } = props;
  const path = appPath(app.id);
  return (
    <>
      <p class="muted">
        <a href="/console/apps">Your apps</a> › {app.name}
      </p>
      <h1>{app.name}</h1>
      {props.notice ? <p role="status">{props.notice}</p> : null}
      {app.disabledAt !== null ? (
        <p class="notice alert" id="disabled-notice">
          This app is disabled: it gets no tokens, and the tokens and API keys it had were revoked.
        </p>
      ) : null}
      <dl id="app-details">
        <dt>Client id</dt>
        <dd>
          <code class="id">{app.id}</code>
        </dd>
        <dt>Type</dt>
        <dd>{kindOf(app)}</dd>
        <dt>Status</dt>
        <dd>
          {statusOf(app)}
          {app.disabledAt !== null ? (
            <>
              {" "}
              <span class="muted">
                (disabled <When at={app.disabledAt} now={props.now} />)
              </span>
            </>
          ) : null}
        </dd>
        <dt>Registered</dt>
        <dd>
          <When at={app.createdAt} now={props.now} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <LastUsed app={app} now={props.now} />
        </dd>
        <dt>Grants</dt>
        <dd>
          <CodeList items={app.grants} none="none" />
        </dd>
        <dt>Allowed scopes</dt>
        <dd>
          <CodeList items={app.scopes} none="none" />
        </dd>
        <dt>Redirect URIs</dt>
        <dd>
          <CodeList items={app.redirectUris} none="none" />
        </dd>
        <dt>Audiences</dt>
        <dd>
          <CodeList items={app.audiences} none="none" />
        </dd>
        <OidcDetails settings={app.oidc} />
      </dl>

      <h2 id="edit">Edit</h2>
      <FormProblems problems={props.problems} />
      <form method="post" action={path} class="stacked">
        <CsrfField token={props.csrf} />
        <AppFields mode="edit" values={props.values} problems={props.problems} offered={props.offered} />
        <p class="actions">
          <button type="submit" class="primary" aria-label={`Save changes to app ${app.name}`}>
            Save changes
          </button>
        </p>
      </form>

      <h2 id="actions">Actions</h2>
      <ul id="app-actions" style={ACTION_ROWS}>
        {app.isPublic ? null : (
          <ActionRow title="Reset the secret" hint="The app gets a new secret, shown once; the current one stops working at once.">
            <a class="button" href={`${path}/reset-secret`} aria-label={`Reset secret of app ${app.name}`}>
              Reset secret
            </a>
          </ActionRow>
        )}
        {app.disabledAt === null ? (
          <ActionRow title="Disable" hint="It gets no more tokens, and the ones it has stop working. You can enable it again.">
            <a class="button" href={`${path}/disable`} aria-label={`Disable app ${app.name}`}>
              Disable
            </a>
          </ActionRow>
        ) : (
          <ActionRow title="Enable" hint="It can get tokens again. Revoked tokens and API keys stay revoked.">
            <PostButton action={`${path}/enable`} csrf={props.csrf} label="Enable" ariaLabel={`Enable app ${app.name}`} />
          </ActionRow>
        )}
        <ActionRow title="Delete" hint="The app and its API keys are gone for good.">
          <a class="button danger" href={`${path}/delete`} aria-label={`Delete app ${app.name}`}>
            Delete
          </a>
        </ActionRow>
      </ul>
    </>
  );
}
