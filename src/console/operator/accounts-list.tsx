/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The operator's list of accounts: search by platform username, display name or account id, a page at a time. */
import { z } from "zod";
import { listAccounts, type AccountSummary } from "../../admin/accounts";
import type { AppDeps } from "../../deps";
import { PlatformIcon } from "../../ui/icons";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { FormProblems, type FormProblem } from "../shared/forms";
import { accountLabel } from "./names";
import { AccountLink, Pager, SearchForm } from "./parts";
import { platformName } from "./platforms";
import { CursorParam, inputProblems, readQuery, SearchParam } from "./query";
import type { OperatorContext } from "./route";

const ListQuery = z.object({ q: SearchParam, cursor: CursorParam });

/** What the page shows. */
interface AccountsView {
  q: string | undefined;
  cursor: string | undefined;
  items: AccountSummary[];
  next: string | undefined;
  problems: FormProblem[];
  now: number;
}

function Identities(props: { a: AccountSummary }) {
  if (props.a.identities.length === 0) return <span class="muted">none</span>;
  return (
    <span>
      {props.a.identities.map((i, n) => (
        <>
          {n > 0 ? <br /> : null}
          <PlatformIcon platform={i.provider} /> {platformName(i.provider)}
          {i.username !== null ? <> · {i.username}</> : null}
        </>
      ))}
    </span>
  );
}

function AccountsTable(props: { v: AccountsView }) {
  const { v } = props;
  if (v.items.length === 0) return <p>{v.q === undefined ? "There are no accounts yet." : "No account matches this search."}</p>;
  return (
    <div class="table-wrap">
      <table class="stack" id="accounts">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Signs in with</th>
            <th scope="col">Account id</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {v.items.map((a) => (
            <tr data-account-id={a.id}>
              <td data-label="Account">
                <span>
                  <AccountLink id={a.id} label={accountLabel(a)} />
                  {a.kind === "bot" ? <span class="muted"> (bot)</span> : null}
                </span>
              </td>
              <td data-label="Signs in with">
                <Identities a={a} />
              </td>
              <td data-label="Account id">
                <code>{a.id}</code>
              </td>
              <td data-label="Status">{a.blockedAt === null ? "Active" : <strong>Blocked</strong>}</td>
              <td data-label="Created">
                <When at={a.createdAt} now={v.now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function render(c: OperatorContext, v: AccountsView, status: 200 | 400) {
  return consolePage(
    c,
    c.var.viewer,
    { title: "Accounts", active: "accounts", status },
    <>
      <h1>Accounts</h1>
      <FormProblems problems={v.problems} />
      <SearchForm path="/console/admin/accounts" noun="accounts" hint="Part of a platform username or display name, or a whole account id." q={v.q} problems={v.problems} />
      {v.problems.length === 0 ? <AccountsTable v={v} /> : null}
      <Pager path="/console/admin/accounts" query={{ q: v.q }} cursor={v.cursor} next={v.next} />
    </>,
  );
}

/**
 * GET /console/admin/accounts: accounts, newest first, searchable; 400 with the form for a bad query.
 * @example page("/console/admin/accounts", "accounts", accountsPage)
 */
export async function accountsPage(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const now = deps.now();
  const query = readQuery(c, ListQuery);
  if (!query.ok) return render(c, { q: c.req.query("q"), cursor: undefined, items: [], next: undefined, problems: query.problems, now }, 400);
  const { q, cursor } = query.value;
  try {
    const page = await listAccounts(deps, { q, cursor, limit: 50 });
    return await render(c, { q, cursor, items: page.items, next: page.next, problems: [], now }, 200);
  } catch (err) {
    return render(c, { q, cursor: undefined, items: [], next: undefined, problems: inputProblems(err), now }, 400);
  }
}
