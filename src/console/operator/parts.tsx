/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Small pieces the operator's pages share: the notice after a change, the link to the next page of a
 * list, links to an account or a client by its name, and a link styled as a button (the way into a
 * confirmation page, which is a GET).
 */
import type { Child } from "hono/jsx";
import { FieldProblem, invalidAttrs, type FormProblem } from "../shared/forms";

/**
 * The notice for `done` (from the query string) when `texts` knows it; nothing otherwise, so the page never
 * repeats text from the request.
 * @example <DoneNotice done={c.req.query("done")} texts={{ blocked: "The account was blocked." }} />
 */
export function DoneNotice(props: { done: string | undefined; texts: Readonly<Record<string, string>> }) {
  const text = props.done !== undefined && Object.hasOwn(props.texts, props.done) ? props.texts[props.done] : undefined;
  return text ? <p role="status">{text}</p> : null;
}

/**
 * Links between the pages of a list: back to the first page when not on it, and the next page when there
 * is one. `query` holds the list's filters, kept on both links.
 * @example <Pager path="/console/admin/audit" query={{ type: "account.blocked" }} cursor={cursor} next={page.next} />
 */
export function Pager(props: { path: string; query: Readonly<Record<string, string | undefined>>; cursor: string | undefined; next: string | undefined }) {
  if (props.cursor === undefined && props.next === undefined) return null;
  const href = (cursor: string | undefined) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(props.query)) if (v !== undefined && v !== "") q.set(k, v);
    if (cursor !== undefined) q.set("cursor", cursor);
    const s = q.toString();
    return s === "" ? props.path : `${props.path}?${s}`;
  };
  return (
    <nav aria-label="Pages" class="actions">
      {props.cursor !== undefined ? (
        <a class="button" href={href(undefined)}>
          First page
        </a>
      ) : null}
      {props.next !== undefined ? (
        <a class="button" href={href(props.next)} rel="next">
          Next page
        </a>
      ) : null}
    </nav>
  );
}

/**
 * An account by its label, linked to its page; the id stays visible beside a label that is not the id.
 * @example <AccountLink id="acct_…" label="alice" />
 */
export function AccountLink(props: { id: string; label?: string | undefined }) {
  const label = props.label ?? props.id;
  return (
    <a href={`/console/admin/accounts/${encodeURIComponent(props.id)}`}>
      {label === props.id ? <code>{label}</code> : label}
    </a>
  );
}

/**
 * A client by its name, linked to its page.
 * @example <ClientLink id="client_…" name="Billing" />
 */
export function ClientLink(props: { id: string; name?: string | undefined }) {
  return <a href={`/console/admin/clients/${encodeURIComponent(props.id)}`}>{props.name ?? <code>{props.id}</code>}</a>;
}

/**
 * A link that looks like a button: the way to a confirmation page. `ariaLabel` says what it acts on.
 * @example <ButtonLink href={`/console/admin/accounts/${id}/block`} variant="danger" ariaLabel="Block account alice">Block…</ButtonLink>
 */
export function ButtonLink(props: { href: string; ariaLabel?: string | undefined; variant?: "primary" | "danger" | undefined; children: Child }) {
  return (
    <a class={props.variant ? `button ${props.variant}` : "button"} href={props.href} aria-label={props.ariaLabel}>
      {props.children}
    </a>
  );
}

/**
 * A list of words (scopes, grants, URIs) as code, or `none` in words; one element, so a stacked table cell
 * (a flex row on a phone) keeps it together.
 * @example <Codes items={client.scopes} none="no scopes" />
 */
export function Codes(props: { items: readonly string[]; none: string }) {
  if (props.items.length === 0) return <span class="muted">{props.none}</span>;
  return (
    <span>
      {props.items.map((x, i) => (
        <>
          {i > 0 ? " " : null}
          <code>{x}</code>
        </>
      ))}
    </span>
  );
}

/**
 * The search form above an operator list (GET, so a search is a link): the field, its problem, and a way
 * back to the whole list once a search is shown.
 * @example <SearchForm path="/console/admin/clients" noun="clients" hint="Part of a name, or a whole client id." q={v.q} problems={v.problems} />
 */
export function SearchForm(props: { path: string; noun: string; hint: string; q: string | undefined; problems: FormProblem[] }) {
  return (
    <form method="get" action={props.path} class="stacked" role="search">
      <label for="q">
        Search {props.noun} <span class="hint">{props.hint}</span>
      </label>
      <input id="q" name="q" type="search" value={props.q ?? ""} maxlength={200} {...invalidAttrs(props.problems, "q")} />
      <FieldProblem problems={props.problems} field="q" />
      <p class="actions">
        <button type="submit" class="primary">
          Search {props.noun}
        </button>
        {props.q !== undefined ? (
          <a class="button" href={props.path}>
            Show every {props.noun.replace(/s$/, "")}
          </a>
        ) : null}
      </p>
    </form>
  );
}

