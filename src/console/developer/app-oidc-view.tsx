/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The "OpenID Connect" fieldset of the developer's register and edit forms (ID-token algorithm, signed
 * UserInfo, post-logout redirect URIs); the app's page shows them with shared/oidc-details.tsx. The choices
 * are the algorithms the server signs with; the rules stay in src/oidc/client-settings.ts.
 */
import { ID_TOKEN_ALGS } from "../../oidc/id-token";
import { FieldProblem, invalidAttrs, type FormProblem } from "../shared/forms";
import type { AppFormValues } from "./app-form";

/** The options of the ID-token select: the algorithms, the default (RS256) first and said to be it. */
const ID_TOKEN_CHOICES = ID_TOKEN_ALGS.map((alg, i) => ({ value: alg, label: i === 0 ? `${alg} (default)` : alg }));

/** The options of the UserInfo select: JSON (the default, sent as "") or a JWT signed with an algorithm. */
const USERINFO_CHOICES = [{ value: "", label: "No (JSON)" }, ...ID_TOKEN_ALGS.map((alg) => ({ value: alg, label: `Yes, signed with ${alg}` }))];

/** One select of the fieldset with its problems; the chosen value is kept as sent when it comes back. */
function Choice(props: { id: string; label: string; hint: string; value: string; choices: readonly { value: string; label: string }[]; problems: readonly FormProblem[] }) {
  return (
    <>
      <label for={props.id}>
        {props.label} <span class="hint">{props.hint}</span>
      </label>
      <select id={props.id} name={props.id} {...invalidAttrs(props.problems, props.id)}>
        {props.choices.map((c) => (
          <option value={c.value} selected={c.value === props.value}>
            {c.label}
          </option>
        ))}
      </select>
      <FieldProblem problems={props.problems} field={props.id} />
    </>
  );
}

/**
 * The "OpenID Connect" fieldset of the register and edit forms (the field names are what app-form.ts reads).
 * @example <OidcFieldset values={values} problems={problems} />
 */
export function OidcFieldset(props: { values: AppFormValues; problems: readonly FormProblem[] }) {
  const { values, problems } = props;
  return (
    <fieldset id="oidc">
      <legend>OpenID Connect</legend>
      <p class="hint">For an app that signs people in with OpenID Connect (the openid scope). The defaults suit most apps.</p>
      <Choice
        id="id_token_alg"
        label="ID token algorithm"
        hint="How the app's ID tokens are signed. Every OpenID Connect library accepts RS256."
        value={values.idTokenAlg}
        choices={ID_TOKEN_CHOICES}
        problems={problems}
      />
      <Choice
        id="userinfo_alg"
        label="Signed UserInfo"
        hint="Whether /userinfo answers the app with a signed JWT instead of JSON."
        value={values.userinfoAlg}
        choices={USERINFO_CHOICES}
        problems={problems}
      />
      <label for="post_logout_redirect_uris">
        Post-logout redirect URIs{" "}
        <span class="hint">Where signing out may send people back to, one per line, exactly as the app sends them (https, http on localhost, or the app's own scheme).</span>
      </label>
      <textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows={2} spellcheck={false} {...invalidAttrs(problems, "post_logout_redirect_uris")}>
        {values.postLogoutRedirectUris}
      </textarea>
      <FieldProblem problems={problems} field="post_logout_redirect_uris" />
    </fieldset>
  );
}
