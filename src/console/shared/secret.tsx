/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A secret (a client secret, an API key) shown the one time it exists outside its owner's hands. The page
 * showing it is the answer to the POST that made it — never a redirect, so it is in no URL, no history
 * entry's address and no later page — and console pages are `no-store`.
 */
import type { Child } from "hono/jsx";
import { NOTICE_HEADING } from "./styles";

/** Inputs of {@link SecretOnce}. */
export interface SecretOnceProps {
  /** The id of the box holding the value (tests and people find it by it). */
  id: string;
  /** What it is, for assistive technology ("Client secret of Billing"). */
  label: string;
  value: string;
  /** What to do with it, after the warning. */
  children?: Child;
}

/**
 * The warning and the value in the shared layout's `.secret` box (wraps anywhere, selects whole).
 * @example <SecretOnce id="client-secret" label="Client secret of Billing" value={secret} />
 */
export function SecretOnce(props: SecretOnceProps) {
  return (
    <section class="notice" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`} style={NOTICE_HEADING}>
        {props.label}
      </h2>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Only a hash of it is kept, so nobody can show it to you later.
      </p>
      <code id={props.id} class="secret" aria-label={props.label}>
        {props.value}
      </code>
      {props.children}
    </section>
  );
}
