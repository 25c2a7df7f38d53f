/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The audit log for operators: newest first, filtered by type, account, client and dates (UTC days, both
 * ends included), a page at a time; each event with when (in words), what, who did it, to whom and its
 * detail. A filter that does not parse comes back in the form with its problem (400), never as an error page.
 */
import { z } from "zod";
import { listAuditEvents, type AuditEntry } from "../../admin/audit-log";
import type { AppDeps } from "../../deps";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { FieldProblem, FormProblems, invalidAttrs, type FormProblem } from "../shared/forms";
import { AUDIT_TYPES, Detail, isAuditType, Party, type PartyNames } from "./audit-format";
import { accountLabels, clientNames } from "./names";
import { Pager } from "./parts";
import { CursorParam, inputProblems, readQuery } from "./query";
import type { OperatorContext } from "./route";

const DAY = 24 * 3600_000;
const blankIsNone = (v: string | undefined) => (v === undefined || v === "" ? undefined : v);
const Id = (what: string) =>
  z
    .string()
    .trim()
    .max(200, `An ${what} id is at most 200 characters.`)
    .regex(/^[\x21-\x7e]*$/, `An ${what} id has no spaces or special characters.`)
    .optional()
    .transform(blankIsNone);
const isDay = (v: string | undefined): v is string => v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
const Day = (which: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform(blankIsNone)
    .refine((v) => v === undefined || isDay(v), `Give the ${which} date as a day, e.g. 2026-01-31.`);

const AuditQuery = z
  .object({
    type: z
      .string()
      .optional()
      .transform(blankIsNone)
      .refine((v) => v === undefined || isAuditType(v), "Pick an event type from the list."),
    account: Id("account"),
    client: Id("client"),
    from: Day("from"),
    to: Day("to"),
    cursor: CursorParam,
  })
  // Only when both are days: zod runs this even after a field's own refinement failed.
  .refine((q) => !isDay(q.from) || !isDay(q.to) || q.from <= q.to, { path: ["to"], message: "The to date must not be before the from date." });

/** The filters as the form shows them (what was sent, even when it does not parse). */
type Filters = Record<"type" | "account" | "client" | "from" | "to", string | undefined>;

/** What the page shows. */
interface AuditView {
  filters: Filters;
  cursor: string | undefined;
  items: AuditEntry[];
  next: string | undefined;
  names: PartyNames;
  problems: FormProblem[];
  now: number;
}

function Field(props: { id: keyof Filters; label: string; hint: string; type: "text" | "date"; v: AuditView }) {
  const { id, v } = props;
  return (
    <div>
      <label for={id}>
        {props.label} <span class="hint">{props.hint}</span>
      </label>
      <input id={id} name={id} type={props.type} value={v.filters[id] ?? ""} {...invalidAttrs(v.problems, id)} />
      <FieldProblem problems={v.problems} field={id} />
    </div>
  );
}

// The five filters side by side where there is room, one under another on a phone (the shared layout has
// no grid class yet; the pages' CSP allows inline styles).
const FILTER_GRID = "display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:0 1rem";

function FilterForm(props: { v: AuditView }) {
  const { v } = props;
  return (
    <form method="get" action="/console/admin/audit" role="search" aria-label="Filter the audit log" style="display:block">
      <div style={FILTER_GRID}>
        <div>
          <label for="type">
            Type <span class="hint">What happened.</span>
          </label>
          <select id="type" name="type" {...invalidAttrs(v.problems, "type")}>
            <option value="">Any type</option>
            {Object.entries(AUDIT_TYPES).map(([type, label]) => (
              <option value={type} selected={v.filters.type === type}>
                {label}
              </option>
            ))}
          </select>
          <FieldProblem problems={v.problems} field="type" />
        </div>
        <Field id="account" label="Account" hint="An account id, as actor or subject." type="text" v={v} />
        <Field id="client" label="Client" hint="A client id, as actor or subject." type="text" v={v} />
        <Field id="from" label="From" hint="This day on (UTC)." type="date" v={v} />
        <Field id="to" label="To" hint="Up to this day, included (UTC)." type="date" v={v} />
      </div>
      <p class="actions">
        <button type="submit" class="primary">
          Filter the audit log
        </button>
        <a class="button" href="/console/admin/audit">
          Clear the filters
        </a>
      </p>
    </form>
  );
}

function Events(props: { v: AuditView }) {
  const { v } = props;
  if (v.items.length === 0) return <p>No events match.</p>;
  return (
    <div class="table-wrap">
      <table class="stack" id="audit-events">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Actor</th>
            <th scope="col">Subject</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {v.items.map((e) => (
            <tr data-event-id={String(e.id)} data-type={e.type}>
              <td data-label="When">
                <When at={e.at} now={v.now} />
              </td>
              <td data-label="Event">
                {isAuditType(e.type) ? AUDIT_TYPES[e.type] : <code>{e.type}</code>}
              </td>
              <td data-label="Actor">
                <Party id={e.actor} names={v.names} />
              </td>
              <td data-label="Subject">
                <Party id={e.subject} names={v.names} />
              </td>
              <td data-label="Detail">
                <Detail detail={e.detail} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function render(c: OperatorContext, v: AuditView, status: 200 | 400) {
  return consolePage(
    c,
    c.var.viewer,
    { title: "Audit log", active: "audit", status },
    <>
      <h1>Audit log</h1>
      <p class="muted">Newest first. Times are in words; hover one for the exact time (UTC).</p>
      <FormProblems problems={v.problems} />
      <FilterForm v={v} />
      {v.problems.length === 0 ? <Events v={v} /> : null}
      <Pager path="/console/admin/audit" query={v.filters} cursor={v.cursor} next={v.next} />
    </>,
  );
}

/**
 * GET /console/admin/audit: the audit log, filtered; 400 with the form for filters that do not parse.
 * @example page("/console/admin/audit", "the audit log", auditPage)
 */
export async function auditPage(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const now = deps.now();
  const none: PartyNames = { accounts: new Map(), clients: new Map() };
  const sent = (k: keyof Filters) => c.req.query(k);
  const query = readQuery(c, AuditQuery);
  if (!query.ok) {
    const filters = { type: sent("type"), account: sent("account"), client: sent("client"), from: sent("from"), to: sent("to") };
    return render(c, { filters, cursor: undefined, items: [], next: undefined, names: none, problems: query.problems, now }, 400);
  }
  const { cursor, ...filters } = query.value;
  const since = filters.from === undefined ? undefined : Date.parse(`${filters.from}T00:00:00Z`);
  const until = filters.to === undefined ? undefined : Date.parse(`${filters.to}T00:00:00Z`) + DAY;
  let page;
  try {
    page = await listAuditEvents(deps, { type: filters.type, account: filters.account, client: filters.client, since, until, cursor, limit: 50 });
  } catch (err) {
    return render(c, { filters, cursor: undefined, items: [], next: undefined, names: none, problems: inputProblems(err), now }, 400);
  }
  const parties = page.items.flatMap((e) => [e.actor, e.subject]);
  const [accounts, clients] = await Promise.all([accountLabels(deps, parties), clientNames(deps, c.var.viewer.asOperator, parties)]);
  return render(c, { filters, cursor, items: page.items, next: page.next, names: { accounts, clients }, problems: [], now }, 200);
}
