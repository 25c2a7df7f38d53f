/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * One client as an operator sees it: its details, who owns it (linked to the account), disable or enable,
 * delete, and the form that edits its allowed scopes and redirect URIs. The form comes back here with its
 * problems (400) when the registry's rules refuse the change.
 */
import { getManagedClient, type ManagedClient } from "../../admin/client-view";
import type { AppDeps } from "../../deps";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { adminErrorPage } from "../shared/admin-errors";
import { CsrfField, FieldProblem, FormProblems, invalidAttrs, PostButton, type FormProblem } from "../shared/forms";
import { OidcDetails } from "../shared/oidc-details";
import { accountLabels } from "./names";
import { AccountLink, ButtonLink, Codes, DoneNotice } from "./parts";
import { param, type OperatorContext } from "./route";

/** Notices after a change that lands on this page. */
const DONE = {
  updated: "The client's scopes and redirect URIs were saved.",
  disabled: "The client was disabled: its live tokens and API keys were revoked, and it gets nothing new.",
  enabled: "The client was enabled again. Tokens and keys revoked when it was disabled stay revoked.",
};

/** Where the client pages lead back to. */
export const CLIENTS_BACK = { what: "client", back: { href: "/console/admin/clients", label: "Back to the clients" } } as const;

/** The edit form's values and problems (what was sent, when it comes back). */
export interface ClientEdit {
  scopes: string;
  redirectUris: string;
  problems: FormProblem[];
}

/** The path of a client's page. */
export const clientPath = (id: string) => `/console/admin/clients/${encodeURIComponent(id)}`;

function Details(props: { client: ManagedClient; owner: string | undefined; now: number }) {
  const { client: a, now } = props;
  return (
    <dl id="client-details">
      <dt>Client id</dt>
      <dd>
        <code class="id">{a.id}</code>
      </dd>
      <dt>Type</dt>
      <dd>{a.isPublic ? "Public (no secret; PKCE only)" : "Confidential (has a secret)"}</dd>
      <dt>Owner</dt>
      <dd>{a.ownerAccountId ? <AccountLink id={a.ownerAccountId} label={props.owner} /> : "Operator (no developer owns it)"}</dd>
      <dt>Status</dt>
      <dd>
        {a.disabledAt === null ? (
          "Enabled"
        ) : (
          <strong>
            Disabled <When at={a.disabledAt} now={now} />
          </strong>
        )}
      </dd>
      <dt>Registered</dt>
      <dd>
        <When at={a.createdAt} now={now} />
      </dd>
      <dt>Grants</dt>
      <dd>
        <Codes items={a.grants} none="none" />
      </dd>
      <dt>Audiences</dt>
      <dd>
        <Codes items={a.audiences} none="the default audience" />
      </dd>
      <dt>May introspect for</dt>
      <dd>
        <Codes items={a.introspectAudiences} none="nothing" />
      </dd>
      <OidcDetails settings={a.oidc} />
    </dl>
  );
}

function Actions(props: { client: ManagedClient; csrf: string }) {
  const { client: a } = props;
  const path = clientPath(a.id);
  return (
    <div class="actions" id="client-actions">
      {a.disabledAt === null ? (
        <ButtonLink href={`${path}/disable`} variant="danger" ariaLabel={`Disable client ${a.name}`}>
          Disable…
        </ButtonLink>
      ) : (
        <PostButton action={`${path}/enable`} csrf={props.csrf} label="Enable" ariaLabel={`Enable client ${a.name}`} variant="primary" />
      )}
      <ButtonLink href={`${path}/delete`} variant="danger" ariaLabel={`Delete client ${a.name}`}>
        Delete…
      </ButtonLink>
      <a href={`/console/admin/audit?client=${encodeURIComponent(a.id)}`}>Audit log of this client</a>
    </div>
  );
}

function EditForm(props: { client: ManagedClient; edit: ClientEdit; csrf: string }) {
  const { client: a, edit } = props;
  return (
    <section aria-labelledby="edit-title">
      <h2 id="edit-title">Scopes and redirect URIs</h2>
      <FormProblems problems={edit.problems} />
      <form method="post" action={clientPath(a.id)} class="stacked" id="client-edit">
        <CsrfField token={props.csrf} />
        <label for="scopes">
          Allowed scopes <span class="hint">Separated by spaces or on lines of their own. A client_credentials token carries all of them.</span>
        </label>
        <textarea id="scopes" name="scopes" {...invalidAttrs(edit.problems, "scopes")}>
          {edit.scopes}
        </textarea>
        <FieldProblem problems={edit.problems} field="scopes" />
        <label for="redirect-uris">
          Redirect URIs <span class="hint">One per line, exactly as the app sends them.</span>
        </label>
        <textarea id="redirect-uris" name="redirect_uris" {...invalidAttrs(edit.problems, "redirect-uris")}>
          {edit.redirectUris}
        </textarea>
        <FieldProblem problems={edit.problems} field="redirect-uris" />
        <p class="actions">
          <button type="submit" class="primary" aria-label={`Save changes to client ${a.name}`}>
            Save changes
          </button>
        </p>
      </form>
    </section>
  );
}

/**
 * The client's page, with the edit form as given (or as stored).
 * @example return renderClient(c, deps, client, { scopes, redirectUris, problems }, 400);
 */
export async function renderClient(c: OperatorContext, deps: AppDeps, client: ManagedClient, edit: ClientEdit | undefined, status: 200 | 400): Promise<Response> {
  const viewer = c.var.viewer;
  const owners = await accountLabels(deps, [client.ownerAccountId]);
  const form = edit ?? { scopes: client.scopes.join("\n"), redirectUris: client.redirectUris.join("\n"), problems: [] };
  return consolePage(
    c,
    viewer,
    { title: `Client ${client.name}`, active: "clients", status },
    <>
      <p>
        <a href="/console/admin/clients">All clients</a>
      </p>
      <h1>{client.name}</h1>
      <DoneNotice done={c.req.query("done")} texts={DONE} />
      {client.disabledAt !== null ? (
        <p role="alert">This client is disabled: it cannot get tokens, and what it held before was revoked.</p>
      ) : null}
      <Details client={client} owner={client.ownerAccountId ? owners.get(client.ownerAccountId) : undefined} now={deps.now()} />
      <Actions client={client} csrf={viewer.csrf} />
      <EditForm client={client} edit={form} csrf={viewer.csrf} />
    </>,
  );
}

/**
 * GET /console/admin/clients/:clientId; 404 for an unknown id.
 * @example page("/console/admin/clients/:clientId", "one client", clientPage)
 */
export async function clientPage(c: OperatorContext, deps: AppDeps): Promise<Response> {
  try {
    const client = await getManagedClient(deps, c.var.viewer.asOperator, param(c, "clientId"));
    return await renderClient(c, deps, client, undefined, 200);
  } catch (err) {
    return adminErrorPage(c, err, CLIENTS_BACK);
  }
}
