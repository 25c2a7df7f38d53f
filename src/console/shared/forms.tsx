/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Form pieces every console page uses: the hidden CSRF field, a one-button POST form whose button names
 * what it acts on, and the summary of what is wrong with a form that came back.
 */
import type { Child } from "hono/jsx";
import { FORM_ONCE_FIELD } from "../../session/form-once";
import { FIELD_PROBLEM, WRAP_ANYWHERE } from "./styles";

/**
 * The session-bound form token; every console POST must carry it (src/console/guard.ts checks it).
 * @example <form method="post" action="/console/apps"><CsrfField token={viewer.csrf} />…</form>
 */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="csrf" value={props.token} />;
}

/**
 * The form's one-time token (src/session/form-once.ts), for forms whose answer shows a key or a secret once:
 * a reload that re-sends the form is refused instead of making a second one.
 * @example <form method="post" action="/console/keys"><CsrfField token={csrf} /><OnceField token={once} />…</form>
 */
export function OnceField(props: { token: string }) {
  return <input type="hidden" name={FORM_ONCE_FIELD} value={props.token} />;
}

/** Inputs of {@link PostButton}. */
export interface PostButtonProps {
  action: string;
  csrf: string;
  /** The visible text ("Enable"). */
  label: string;
  /**
   * The accessible name, saying what it acts on ("Enable app Billing"), when the text alone does not. It
   * must contain the visible text (WCAG 2.5.3, label in name).
   */
  ariaLabel?: string | undefined;
  /** `primary` or `danger` (the shared layout's classes). */
  variant?: "primary" | "danger" | undefined;
}

/**
 * A form with one button that POSTs to `action` with the CSRF token: an action without fields.
 * @example <PostButton action={`/console/apps/${id}/enable`} csrf={viewer.csrf} label="Enable" ariaLabel={`Enable app ${name}`} />
 */
export function PostButton(props: PostButtonProps) {
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrf} />
      <button type="submit" class={props.variant} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}

/** One thing wrong with a form: the id of the control it is about (for the link) and what to do. */
export interface FormProblem {
  /** The `id` of the form control; undefined when the problem is about the whole form. */
  field: string | undefined;
  message: string;
}

/**
 * The problems of a form sent back, as an alert at its top; each links to its control, so a keyboard or
 * screen-reader user gets there in one step. Renders nothing when there are none.
 * @example <FormProblems problems={problems} />
 */
export function FormProblems(props: { problems: readonly FormProblem[]; title?: Child }) {
  if (props.problems.length === 0) return null;
  return (
    <div class="notice alert" role="alert" id="form-problems" style={WRAP_ANYWHERE}>
      <p>
        <strong>{props.title ?? "Please fix the following:"}</strong>
      </p>
      <ul class="bullets">
        {props.problems.map((p) => (
          <li>{p.field ? <a href={`#${p.field}`}>{p.message}</a> : p.message}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The ARIA attributes of a control with (or without) problems: marked invalid and described by its message.
 * @example <input id="name" {...invalidAttrs(problems, "name")} />
 */
export function invalidAttrs(problems: readonly FormProblem[], field: string): { "aria-invalid"?: "true"; "aria-describedby"?: string } {
  return problems.some((p) => p.field === field) ? { "aria-invalid": "true", "aria-describedby": `${field}-problem` } : {};
}

/**
 * The messages about one control, shown next to it (the target of {@link invalidAttrs}'s aria-describedby).
 * @example <FieldProblem problems={problems} field="name" />
 */
export function FieldProblem(props: { problems: readonly FormProblem[]; field: string }) {
  const mine = props.problems.filter((p) => p.field === props.field);
  if (mine.length === 0) return null;
  return (
    <span class="hint" id={`${props.field}-problem`} style={FIELD_PROBLEM}>
      <strong>{mine.map((p) => p.message).join(" ")}</strong>
    </span>
  );
}
