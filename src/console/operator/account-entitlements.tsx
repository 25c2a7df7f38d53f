/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * An account's entitlements with the rule behind each: "why does this person have `repos:write`?" answered
 * with the rule's place in the rules document, its conditions as written, the grant entry (the scope, or the
 * role that carries it) and the linked identity whose facts matched. Also what the stored entitlements and
 * today's rules disagree on, which the next sign-in or refresh settles.
 */
import type { AccountDetail, ExplainedEntitlement } from "../../admin/accounts";
import type { Reason } from "../../rules/explain";
import { When } from "../../ui/when";
import { identityLabel } from "./platforms";

/** The rule's conditions in words: `provider github, org ops`, or every identity for `{}`. */
function Conditions(props: { when: Reason["when"] }) {
  const parts = Object.entries(props.when).filter(([, v]) => v !== undefined);
  if (parts.length === 0) return <>every identity</>;
  return (
    <>
      {parts.map(([k, v], i) => (
        <>
          {i > 0 ? ", " : null}
          {k} <code>{String(v)}</code>
        </>
      ))}
    </>
  );
}

/** One reason as a sentence (the caller puts it in a list item, or in a span when it is the only one). */
function ReasonLine(props: { reason: Reason; name: string; identities: AccountDetail["identities"] }) {
  const { reason: r } = props;
  const who = props.identities.find((i) => i.id === r.identity);
  const via = r.grant === props.name ? null : (
    <>
      {" "}
      through <code>{r.grant}</code>
    </>
  );
  return (
    <>
      Rule <code>$.rules[{r.rule}]</code> (when <Conditions when={r.when} />){via}, matched by{" "}
      {who ? (
        <>
          {identityLabel(who.provider, who.subject)} {who.username ?? <code>{who.id}</code>}
        </>
      ) : (
        <code>{r.identity}</code>
      )}
    </>
  );
}

/** Whether it is held, and what a mismatch with today's rules means. */
function Held(props: { e: ExplainedEntitlement }) {
  const { e } = props;
  if (e.held && e.reasons.length > 0) return <>Yes</>;
  if (e.held) return <strong>Yes, but no rule grants it now: the next sign-in or refresh removes it</strong>;
  return <strong>Not yet: the rules grant it, and the next sign-in or refresh adds it</strong>;
}

function Table(props: { id: string; caption: string; column: string; rows: (ExplainedEntitlement & { name: string })[]; identities: AccountDetail["identities"] }) {
  if (props.rows.length === 0) return <p>No {props.column.toLowerCase()}s.</p>;
  return (
    <div class="table-wrap">
      <table class="stack" id={props.id}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.column}</th>
            <th scope="col">Held</th>
            <th scope="col">Granted by</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((e) => (
            <tr data-entitlement={e.name}>
              <td data-label={props.column}>
                <code>{e.name}</code>
              </td>
              <td data-label="Held">
                <Held e={e} />
              </td>
              <td data-label="Granted by">
                {e.reasons.length === 0 ? (
                  <span class="muted">no rule</span>
                ) : e.reasons.length === 1 ? (
                  <span>
                    <ReasonLine reason={e.reasons[0]!} name={e.name} identities={props.identities} />
                  </span>
                ) : (
                  <ul class="bullets">
                    {e.reasons.map((r) => (
                      <li>
                        <ReasonLine reason={r} name={e.name} identities={props.identities} />
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The entitlements section of an account's page.
 * @example <Entitlements account={detail} now={deps.now()} />
 */
export function Entitlements(props: { account: AccountDetail; now: number }) {
  const { entitlements: e, identities } = props.account;
  return (
    <section aria-labelledby="entitlements-title" id="entitlements">
      <h2 id="entitlements-title">Entitlements</h2>
      <p class="muted">
        {e.derivedAt === null ? (
          "Never derived: this account has not signed in since the rules were first applied."
        ) : (
          <>
            Derived from the platforms <When at={e.derivedAt} now={props.now} />; the rules named are today's rules document.
          </>
        )}
      </p>
      <Table id="scopes" caption="Scopes" column="Scope" rows={e.scopes.map(({ scope, ...x }) => ({ name: scope, ...x }))} identities={identities} />
      <Table id="roles" caption="Roles" column="Role" rows={e.roles.map(({ role, ...x }) => ({ name: role, ...x }))} identities={identities} />
    </section>
  );
}
