/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The developer's personal API keys as views: the list with the create form, the key shown once, and the
 * confirmation of a revoke. Keys are listed by name and hint, never by the key.
 */
import type { ApiKey } from "../../apikeys/registry";
import { API_KEY_EXPIRIES } from "../../ui/account-page";
import { When } from "../../ui/when";
import { ConfirmAction } from "../shared/confirm";
import { CsrfField, FieldProblem, FormProblems, invalidAttrs, OnceField, type FormProblem } from "../shared/forms";
import { SecretOnce } from "../shared/secret";
import { CHOICE_INPUT, NOWRAP } from "../shared/styles";

/** What the create form holds, as typed (re-shown when it comes back with problems). */
export interface KeyFormValues {
  name: string;
  scopes: string[];
  expires: string;
}

/** The empty create form. */
export const EMPTY_KEY_FORM: KeyFormValues = { name: "", scopes: [], expires: "never" };

/** The path of a key's revoke (its confirmation page, and the POST). */
export const revokePath = (id: string) => `/console/keys/${encodeURIComponent(id)}/revoke`;

/** The scopes a key may carry, in words. */
function KeyScopes(props: { scopes: string[] | null }) {
  if (props.scopes === null) return <span>everything you are entitled to</span>;
  if (props.scopes.length === 0) return <span class="muted">none</span>;
  return <code>{props.scopes.join(" ")}</code>;
}

/** When a key expires, in words. */
function Expiry(props: { at: number | null; now: number }) {
  if (props.at === null) return <span>never</span>;
  if (props.at <= props.now) {
    return (
      <strong>
        expired <When at={props.at} now={props.now} />
      </strong>
    );
  }
  return <When at={props.at} now={props.now} />;
}

/** Inputs of {@link KeysPage}. */
export interface KeysPageProps {
  keys: readonly ApiKey[];
  now: number;
  csrf: string;
  /** The create form's one-time token: a reload cannot create a second key. */
  once: string;
  /** The account's current scopes: what a new key may be limited to. */
  entitled: readonly string[];
  values: KeyFormValues;
  problems: readonly FormProblem[];
  notice?: string | undefined;
}

/** `/console/keys`: the live personal keys, and the form to create one. */
export function KeysPage(props: KeysPageProps) {
  const { values, problems } = props;
  return (
    <>
      <h1>Your API keys</h1>
      <p class="muted">
        Personal keys let scripts and tools act as you, with your entitlements or fewer: exchange one at <code>/token</code> (token exchange) for an access
        token. Each is shown once, when you create it.
      </p>
      {props.notice ? <p role="status">{props.notice}</p> : null}
      {props.keys.length === 0 ? (
        <p>You have no API keys.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack" id="keys">
            <caption>Your live keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Can use</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr data-key-id={k.id}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Key">
                    <code>{k.hint}</code>
                  </td>
                  <td data-label="Can use">
                    <KeyScopes scopes={k.scopes} />
                  </td>
                  <td data-label="Created" style={NOWRAP}>
                    <When at={k.createdAt} now={props.now} />
                  </td>
                  <td data-label="Last used" style={NOWRAP}>
                    {k.lastUsedAt === null ? <span class="muted">never</span> : <When at={k.lastUsedAt} now={props.now} />}</td>
                  <td data-label="Expires" style={NOWRAP}>
                    <Expiry at={k.expiresAt} now={props.now} />
                  </td>
                  <td data-label="Action">
                    <a class="button" href={revokePath(k.id)} aria-label={`Revoke API key ${k.name}`}>
                      Revoke
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="new-key">Create a key</h2>
      <FormProblems problems={problems} />
      <form method="post" action="/console/keys" class="stacked">
        <CsrfField token={props.csrf} />
        <OnceField token={props.once} />
        <label for="key-name">
          Name <span class="hint">So you can tell it apart later, e.g. ci-deploy.</span>
        </label>
        <input id="key-name" name="name" required maxlength={100} value={values.name} autocomplete="off" {...invalidAttrs(problems, "key-name")} />
        <FieldProblem problems={problems} field="key-name" />
        <fieldset id="key-scopes">
          <legend>Scopes</legend>
          <FieldProblem problems={problems} field="key-scopes" />
          {props.entitled.length === 0 ? (
            <p class="hint">You are entitled to no scopes right now. The key will carry whatever you are entitled to each time it is used.</p>
          ) : (
            <>
              <p class="hint">Tick none for everything you are entitled to, as that changes.</p>
              {props.entitled.map((s) => (
                <label class="check">
                  <input type="checkbox" name="scope" value={s} checked={values.scopes.includes(s)} style={CHOICE_INPUT} />
                  <code>{s}</code>
                </label>
              ))}
            </>
          )}
        </fieldset>
        <label for="key-expires">Expires</label>
        <select id="key-expires" name="expires" {...invalidAttrs(problems, "key-expires")}>
          {API_KEY_EXPIRIES.map((e) => (
            <option value={e.value} selected={e.value === values.expires}>
              {e.label}
            </option>
          ))}
        </select>
        <FieldProblem problems={problems} field="key-expires" />
        <p class="actions">
          <button type="submit" class="primary">
            Create key
          </button>
        </p>
      </form>
    </>
  );
}

/** The answer to creating a key: the key, this one time. */
// Not `key`: JSX frameworks take that prop for themselves and never pass it on.
export function KeyCreated(props: { apiKey: ApiKey; secret: string }) {
  return (
    <>
      <h1>API key “{props.apiKey.name}” created</h1>
      <SecretOnce id="api-key" label={`API key ${props.apiKey.name}`} value={props.secret}>
        <p class="muted">Treat it like a password: it acts as you, for what the key allows. If you lose it, revoke it and create another.</p>
      </SecretOnce>
      <p class="actions">
        <a class="button primary" href="/console/keys">
          I have copied it: back to your keys
        </a>
      </p>
    </>
  );
}

/** The confirmation of revoking a key. */
export function ConfirmRevokeKey(props: { apiKey: ApiKey; csrf: string }) {
  const k = props.apiKey;
  return (
    <ConfirmAction
      heading={`Revoke the API key “${k.name}”?`}
      action={revokePath(k.id)}
      csrf={props.csrf}
      button={{ label: "Revoke API key", ariaLabel: `Revoke API key ${k.name}` }}
      cancel={{ href: "/console/keys", label: "Cancel" }}
    >
      <ul class="bullets">
        <li>
          The key <code>{k.hint}</code> stops working at once, and so do the access tokens exchanged from it.
        </li>
        <li>This cannot be undone: to use a key again, create a new one.</li>
      </ul>
    </ConfirmAction>
  );
}
