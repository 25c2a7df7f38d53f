/**
 * The few inline styles console pages need that the shared stylesheet (src/ui/layout.tsx) does not have
 * yet. The pages' CSP allows inline styles (and nothing else), so these work everywhere; each says why, so
 * it can move into the stylesheet as a class and go from here.
 */

/** A checkbox or radio keeps its size beside a long, wrapping label (a flex item shrinks by default). */
export const CHOICE_INPUT = "flex:none";

/** A choice whose label has a hint under it: the box lines up with the first line, not the middle. */
export const CHOICE_LABEL = "align-items:flex-start;padding:.5rem 0";

/** The box of a {@link CHOICE_LABEL} choice: its size kept, level with the first line's text. */
export const CHOICE_INPUT_TOP = "flex:none;margin:.2rem .6rem 0 0";

/** A problem message next to its field, in the alert colour (≥ 4.5:1 on the page in both schemes). */
export const FIELD_PROBLEM = "color:var(--alert-line)";

/** A notice with long unbroken text (a pasted URI in a problem) wraps instead of widening a phone's page. */
export const WRAP_ANYWHERE = "overflow-wrap:anywhere";

/** A heading that opens a notice box: no extra space above it inside the box. */
export const NOTICE_HEADING = "margin-top:.25rem";

/** Rows of actions read as one line each: on a wide page the button stays near its words. */
export const ACTION_ROWS = "max-width:48rem";

/** A short cell ("5 minutes ago") stays on one line; the name column gives up the room instead. */
export const NOWRAP = "white-space:nowrap";
