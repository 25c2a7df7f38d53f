/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The confirmation step of a destructive action (delete, disable, reset a secret, revoke, block): a GET
 * page saying what will happen, with the POST button that does it and a way back. No script, so no JS
 * confirm: the page works everywhere, and the consequences can be spelled out in full.
 */
import type { Child } from "hono/jsx";
import { CsrfField, OnceField } from "./forms";

/** Inputs of {@link ConfirmAction}. */
export interface ConfirmActionProps {
  /** The page's heading, a question ("Delete the app Billing?"). */
  heading: string;
  /** What will happen, in full: paragraphs or a list. */
  children: Child;
  /** Where the POST goes. */
  action: string;
  csrf: string;
  /**
   * The button's text ("Delete app") and its accessible name ("Delete app Billing"). The text must be part
   * of the name (WCAG 2.5.3: a person saying what they see must hit the button), so the name extends it.
   */
  button: { label: string; ariaLabel?: string | undefined };
  /** `danger` (default) for what cannot be undone or stops something; `primary` otherwise. */
  variant?: "danger" | "primary" | undefined;
  /** The way back without doing anything. */
  cancel: { href: string; label: string };
  /** A one-time token when the answer shows a secret once (see OnceField). */
  once?: string | undefined;
}

/**
 * The body of a confirmation page; wrap it in the console's page frame.
 * @example consolePage(c, viewer, { title: "Delete Billing?", active: "apps" }, <ConfirmAction heading="Delete the app Billing?" … />)
 */
export function ConfirmAction(props: ConfirmActionProps) {
  return (
    <>
      <h1>{props.heading}</h1>
      <div id="consequences">{props.children}</div>
      <form method="post" action={props.action} class="actions">
        <CsrfField token={props.csrf} />
        {props.once !== undefined ? <OnceField token={props.once} /> : null}
        <button type="submit" class={props.variant ?? "danger"} aria-label={props.button.ariaLabel}>
          {props.button.label}
        </button>
        <a class="button" href={props.cancel.href}>
          {props.cancel.label}
        </a>
      </form>
    </>
  );
}
