/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * One account as an operator sees it: who it is (linked identities by platform), its entitlements with the
 * rule behind each, its sessions, API keys and apps, and block or unblock.
 */
import { getAccountDetail, type AccountDetail } from "../../admin/accounts";
import { listManagedApiKeys } from "../../admin/api-keys";
import { listManagedClients } from "../../admin/client-view";
import { listAccountSessions } from "../../admin/sessions";
import type { AppDeps } from "../../deps";
import { PlatformIcon } from "../../ui/icons";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { adminErrorPage } from "../shared/admin-errors";
import { PostButton } from "../shared/forms";
import { ApiKeys, OwnedApps, Sessions } from "./account-access";
import { Entitlements } from "./account-entitlements";
import { accountLabel } from "./names";
import { ButtonLink, DoneNotice } from "./parts";
import { identityLabel, markOf } from "./platforms";
import { param, type OperatorContext } from "./route";

/** Notices after a change that lands on this page. */
const DONE = {
  blocked: "The account was blocked: every session, token and API key it had stopped working at once.",
  unblocked: "The account was unblocked: it can sign in again. What the block revoked stays revoked.",
  "session-revoked": "The session was revoked, with every token issued to it.",
  "key-revoked": "The API key was revoked, with the tokens exchanged from it.",
};

/** Where the account pages lead back to. */
export const ACCOUNTS_BACK = { what: "account", back: { href: "/console/admin/accounts", label: "Back to the accounts" } } as const;

/** The path of an account's page. */
export const accountPath = (id: string) => `/console/admin/accounts/${encodeURIComponent(id)}`;

/**
 * The name a person knows the account by: its display name, else its first platform username, else its id.
 * @example accountName(detail) // "alice"
 */
export function accountName(a: Pick<AccountDetail, "id" | "displayName" | "identities">): string {
  return accountLabel(a) ?? a.id;
}

function Identities(props: { account: AccountDetail; now: number }) {
  const { identities } = props.account;
  return (
    <section aria-labelledby="identities-title" id="identities">
      <h2 id="identities-title">Linked identities</h2>
      {identities.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">Username</th>
                <th scope="col">Email</th>
                <th scope="col">Linked</th>
                <th scope="col">Counts for the rules</th>
              </tr>
            </thead>
            <tbody>
              {identities.map((i) => (
                <tr data-identity-id={i.id}>
                  <td data-label="Platform">
                    <span>
                      <PlatformIcon platform={markOf(i.provider, i.subject)} /> {identityLabel(i.provider, i.subject)}
                    </span>
                  </td>
                  <td data-label="Username">{i.username ?? <span class="muted">none</span>}</td>
                  <td data-label="Email">{i.email === null ? <span class="muted">none</span> : `${i.email}${i.emailVerified ? "" : " (unverified)"}`}</td>
                  <td data-label="Linked">
                    <When at={i.createdAt} now={props.now} />
                  </td>
                  <td data-label="Counts for the rules">
                    <span>
                      {i.staleAt !== null ? (
                        <>
                          No: the platform refused its token <When at={i.staleAt} now={props.now} />
                        </>
                      ) : i.facts === null ? (
                        "No: nothing is known about it"
                      ) : (
                        <>Yes{i.factsUpdatedAt !== null ? <>, facts from <When at={i.factsUpdatedAt} now={props.now} /></> : null}</>
                      )}
                    </span>
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

function Standing(props: { account: AccountDetail; name: string; csrf: string; now: number }) {
  const { account: a } = props;
  const path = accountPath(a.id);
  return (
    <>
      {a.blockedAt !== null ? (
        <p role="alert">
          Blocked <When at={a.blockedAt} now={props.now} />: it cannot sign in, and nothing is issued to it.
        </p>
      ) : null}
      <dl id="account-details">
        <dt>Account id</dt>
        <dd>
          <code class="id">{a.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{a.kind === "bot" ? "Bot" : "Person"}</dd>
        <dt>Created</dt>
        <dd>
          <When at={a.createdAt} now={props.now} />
        </dd>
        <dt>Status</dt>
        <dd>{a.blockedAt === null ? "Active" : <strong>Blocked</strong>}</dd>
      </dl>
      <div class="actions" id="account-actions">
        {a.blockedAt === null ? (
          <ButtonLink href={`${path}/block`} variant="danger" ariaLabel={`Block account ${props.name}`}>
            Block…
          </ButtonLink>
        ) : (
          <PostButton action={`${path}/unblock`} csrf={props.csrf} label="Unblock" ariaLabel={`Unblock account ${props.name}`} variant="primary" />
        )}
        <a href={`/console/admin/audit?account=${encodeURIComponent(a.id)}`}>Audit log of this account</a>
      </div>
    </>
  );
}

/**
 * GET /console/admin/accounts/:accountId; 404 for an unknown id.
 * @example page("/console/admin/accounts/:accountId", "one account", accountPage)
 */
export async function accountPage(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const viewer = c.var.viewer;
  const id = param(c, "accountId");
  let account: AccountDetail;
  try {
    account = await getAccountDetail(deps, id);
  } catch (err) {
    return adminErrorPage(c, err, ACCOUNTS_BACK);
  }
  const [sessions, keys, apps] = await Promise.all([
    listAccountSessions(deps, id),
    listManagedApiKeys(deps, viewer.asOperator, { account: id }),
    listManagedClients(deps, viewer.asOperator, { owner: id, limit: 200 }),
  ]);
  const now = deps.now();
  const name = accountName(account);
  return consolePage(
    c,
    viewer,
    { title: `Account ${name}`, active: "accounts" },
    <>
      <p>
        <a href="/console/admin/accounts">All accounts</a>
      </p>
      <h1>{name}</h1>
      <DoneNotice done={c.req.query("done")} texts={DONE} />
      <Standing account={account} name={name} csrf={viewer.csrf} now={now} />
      <Identities account={account} now={now} />
      <Entitlements account={account} now={now} />
      <Sessions accountId={id} name={name} sessions={sessions} blocked={account.blockedAt !== null} now={now} />
      <ApiKeys accountId={id} name={name} keys={keys} now={now} />
      <OwnedApps apps={apps.items} />
    </>,
  );
}
