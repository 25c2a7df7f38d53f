/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The fields of the register and edit forms. Register asks for everything; edit only for what may change
 * later (name, redirect URIs, scopes, audiences, OpenID Connect settings): the client type never changes,
 * and grants are chosen once.
 */
import { FieldProblem, invalidAttrs, type FormProblem } from "../shared/forms";
import { CHOICE_INPUT, CHOICE_INPUT_TOP, CHOICE_LABEL } from "../shared/styles";
import { GRANT_CHOICES, type AppFormValues } from "./app-form";
import { OidcFieldset } from "./app-oidc-view";

/** Inputs of {@link AppFields}. */
export interface AppFieldsProps {
  mode: "register" | "edit";
  values: AppFormValues;
  problems: readonly FormProblem[];
  /** The scopes to offer as checkboxes (app-form.ts `offeredScopes`). */
  offered: readonly string[];
}

/** The scope checkboxes (or why there are none). */
function ScopeChoices(props: { values: AppFormValues; problems: readonly FormProblem[]; offered: readonly string[] }) {
  return (
    <fieldset id="scopes">
      <legend>Allowed scopes</legend>
      <FieldProblem problems={props.problems} field="scopes" />
      {props.offered.length === 0 ? (
        <p class="hint">You are entitled to no scopes the app could be allowed, so its tokens will carry none.</p>
      ) : (
        <>
          <p class="hint">What the app may ask for. You can allow only scopes you are entitled to yourself.</p>
          {props.offered.map((s) => (
            <label class="check">
              <input type="checkbox" name="scope" value={s} checked={props.values.scopes.includes(s)} style={CHOICE_INPUT} />
              <code>{s}</code>
            </label>
          ))}
        </>
      )}
    </fieldset>
  );
}

/** The client type (register only): confidential or public. */
function KindChoice(props: { values: AppFormValues; problems: readonly FormProblem[] }) {
  return (
    <fieldset id="kind">
      <legend>Type</legend>
      <FieldProblem problems={props.problems} field="kind" />
      <label class="check" style={CHOICE_LABEL}>
        <input type="radio" name="kind" value="confidential" checked={props.values.kind === "confidential"} style={CHOICE_INPUT_TOP} />
        <span>
          Confidential <span class="hint">A server that can keep a secret. It gets a client secret.</span>
        </span>
      </label>
      <label class="check" style={CHOICE_LABEL}>
        <input type="radio" name="kind" value="public" checked={props.values.kind === "public"} style={CHOICE_INPUT_TOP} />
        <span>
          Public <span class="hint">A browser, desktop or mobile app: no secret, signs people in with PKCE.</span>
        </span>
      </label>
    </fieldset>
  );
}

/** The grant checkboxes (register only). */
function GrantChoices(props: { values: AppFormValues; problems: readonly FormProblem[] }) {
  return (
    <fieldset id="grants">
      <legend>How it gets tokens</legend>
      <FieldProblem problems={props.problems} field="grants" />
      {GRANT_CHOICES.map((g) => (
        <label class="check" style={CHOICE_LABEL}>
          <input type="checkbox" name="grant" value={g.value} checked={props.values.grants.includes(g.value)} style={CHOICE_INPUT_TOP} />
          <span>
            {g.label} <span class="hint">{g.hint}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * The form's fields (without the `<form>`, the CSRF field and the button, which differ per form).
 * @example <form …><CsrfField token={csrf} /><AppFields mode="register" values={EMPTY_APP_FORM} problems={[]} offered={scopes} />…</form>
 */
export function AppFields(props: AppFieldsProps) {
  const { values, problems } = props;
  return (
    <>
      <label for="name">
        Name <span class="hint">People see it when they sign in to the app.</span>
      </label>
      <input id="name" name="name" required maxlength={200} value={values.name} autocomplete="off" {...invalidAttrs(problems, "name")} />
      <FieldProblem problems={problems} field="name" />
      {props.mode === "register" ? <KindChoice values={values} problems={problems} /> : null}
      {props.mode === "register" ? <GrantChoices values={values} problems={problems} /> : null}
      <label for="redirect_uris">
        Redirect URIs{" "}
        <span class="hint">
          One per line, exactly as the app sends them (https, http on localhost, or the app's own scheme). Needed to sign people in.
        </span>
      </label>
      <textarea id="redirect_uris" name="redirect_uris" rows={3} spellcheck={false} {...invalidAttrs(problems, "redirect_uris")}>
        {values.redirectUris}
      </textarea>
      <FieldProblem problems={problems} field="redirect_uris" />
      <ScopeChoices values={values} problems={problems} offered={props.offered} />
      <label for="audiences">
        Audiences{" "}
        <span class="hint">The APIs (resource URIs) the app may ask tokens for, one per line. It names one with the resource parameter at /token.</span>
      </label>
      <textarea id="audiences" name="audiences" rows={2} spellcheck={false} {...invalidAttrs(problems, "audiences")}>
        {values.audiences}
      </textarea>
      <FieldProblem problems={problems} field="audiences" />
      <OidcFieldset values={values} problems={problems} />
    </>
  );
}
