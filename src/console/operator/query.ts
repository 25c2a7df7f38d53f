/**
 * Reading the operator's list pages' query strings with zod, and turning what the services refuse as
 * input (a foreign cursor, a bad limit) into problems the page shows above its form with a 400 — the form
 * again, never a dead end.
 */
import { z } from "zod";
import { AdminError, issueProblems } from "../../admin/errors";
import type { FormProblem } from "../shared/forms";
import type { OperatorContext } from "./route";

const CURSOR_MESSAGE = "That page link is out of date or was not made by this server: start again from the first page.";

/** A cursor as the services hand them out (opaque; the service checks it). */
export const CursorParam = z.string().min(1, CURSOR_MESSAGE).max(400, CURSOR_MESSAGE).optional();

/** A search box's text: trimmed, "" counts as none. */
export const SearchParam = z
  .string()
  .trim()
  .max(200, "Search for at most 200 characters.")
  .optional()
  .transform((v) => (v === "" ? undefined : v));

/** The result of {@link readQuery}: the values, or the problems with them. */
export type QueryResult<T> = { ok: true; value: T } | { ok: false; problems: FormProblem[] };

/** Controls are named after their parameters; problems about anything else (the cursor) belong to no control. */
const noControl = new Set(["input", "cursor"]);

/**
 * The query string through `schema` (a repeated parameter counts with its first value). Give each field a
 * message that reads as a sentence: it is shown as it is, linked to the control named like the field.
 * @example const q = readQuery(c, ListQuery); if (!q.ok) return listPage(c, { problems: q.problems }, 400);
 */
export function readQuery<T extends z.ZodType>(c: OperatorContext, schema: T): QueryResult<z.output<T>> {
  const parsed = schema.safeParse(c.req.query());
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: issueProblems(parsed.error.issues).map((p) => ({ field: noControl.has(p.field) ? undefined : p.field, message: p.message })) };
}

/**
 * Problems for an `invalid_input` refusal of a list's filters (e.g. a cursor this server never gave out);
 * anything else is rethrown.
 * @example catch (err) { return render({ problems: inputProblems(err) }, 400); }
 */
export function inputProblems(err: unknown): FormProblem[] {
  if (!(err instanceof AdminError) || err.code !== "invalid_input") throw err;
  return err.problems.map((p) => ({ field: undefined, message: p.field === "cursor" ? CURSOR_MESSAGE : `${p.field}: ${p.message}` }));
}
