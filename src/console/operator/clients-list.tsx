/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The operator's list of every client: search by name or id, a page at a time, each with its owner and status. */
import { z } from "zod";
import { listManagedClients, type ManagedClient } from "../../admin/client-view";
import type { AppDeps } from "../../deps";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { FormProblems, type FormProblem } from "../shared/forms";
import { accountLabels } from "./names";
import { AccountLink, ClientLink, DoneNotice, Pager, SearchForm } from "./parts";
import { CursorParam, inputProblems, readQuery, SearchParam } from "./query";
import type { OperatorContext } from "./route";

const ListQuery = z.object({ q: SearchParam, cursor: CursorParam });

/** Notices after a change that lands on this page. */
const DONE = { deleted: "The client was deleted: its tokens and API keys no longer work." };

/** What the page shows. */
interface ClientsView {
  q: string | undefined;
  cursor: string | undefined;
  items: ManagedClient[];
  next: string | undefined;
  owners: Map<string, string>;
  problems: FormProblem[];
  now: number;
}

function ClientsTable(props: { v: ClientsView }) {
  const { v } = props;
  if (v.items.length === 0) return <p>{v.q === undefined ? "There are no clients yet." : "No client matches this search."}</p>;
  return (
    <div class="table-wrap">
      <table class="stack" id="clients">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Client id</th>
            <th scope="col">Owner</th>
            <th scope="col">Status</th>
            <th scope="col">Registered</th>
          </tr>
        </thead>
        <tbody>
          {v.items.map((a) => (
            <tr data-client-id={a.id}>
              <td data-label="Name">
                <ClientLink id={a.id} name={a.name} />
              </td>
              <td data-label="Client id">
                <code>{a.id}</code>
              </td>
              <td data-label="Owner">{a.ownerAccountId ? <AccountLink id={a.ownerAccountId} label={v.owners.get(a.ownerAccountId)} /> : "Operator"}</td>
              <td data-label="Status">{a.disabledAt === null ? "Enabled" : <strong>Disabled</strong>}</td>
              <td data-label="Registered">
                <When at={a.createdAt} now={v.now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function render(c: OperatorContext, v: ClientsView, status: 200 | 400) {
  return consolePage(
    c,
    c.var.viewer,
    { title: "Clients", active: "clients", status },
    <>
      <h1>Clients</h1>
      <DoneNotice done={c.req.query("done")} texts={DONE} />
      <FormProblems problems={v.problems} />
      <SearchForm path="/console/admin/clients" noun="clients" hint="Part of a name, or a whole client id." q={v.q} problems={v.problems} />
      {v.problems.length === 0 ? <ClientsTable v={v} /> : null}
      <Pager path="/console/admin/clients" query={{ q: v.q }} cursor={v.cursor} next={v.next} />
    </>,
  );
}

/**
 * GET /console/admin/clients: every client, newest first, searchable; 400 with the form for a bad query.
 * @example page("/console/admin/clients", "every client", clientsPage)
 */
export async function clientsPage(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const now = deps.now();
  const empty = { items: [], next: undefined, owners: new Map<string, string>(), now };
  const query = readQuery(c, ListQuery);
  if (!query.ok) return render(c, { ...empty, q: c.req.query("q"), cursor: undefined, problems: query.problems }, 400);
  const { q, cursor } = query.value;
  let page;
  try {
    page = await listManagedClients(deps, c.var.viewer.asOperator, { q, cursor, limit: 50 });
  } catch (err) {
    return render(c, { ...empty, q, cursor: undefined, problems: inputProblems(err) }, 400);
  }
  const owners = await accountLabels(deps, page.items.map((x) => x.ownerAccountId));
  return render(c, { q, cursor, items: page.items, next: page.next, owners, problems: [], now }, 200);
}
