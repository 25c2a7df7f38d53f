/**
 * What the management services refuse, in words a person can act on. The HTTP layer (src/api) and the
 * console each map `code` to their own format; nothing here knows about HTTP.
 */

/** Why a management operation was refused. */
export type AdminErrorCode =
  /** No such thing — or one the caller may not see (developers never learn that others' ids exist). */
  | "not_found"
  /** The input breaks a rule; `problems` name each field. */
  | "invalid_input"
  /** The thing is in a state that does not allow it (a public client has no secret to reset). */
  | "conflict"
  /** The caller may see the thing but not do this to it (re-enabling an app an operator disabled). */
  | "forbidden";

/** One problem with the input: the field it is about (as the service names it) and what is wrong. */
export interface InputProblem {
  /** Dotted path, e.g. `redirectUris.0`; `input` for the whole. */
  field: string;
  message: string;
}

/** A refused management operation. */
export class AdminError extends Error {
  override readonly name = "AdminError";
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    /** One entry per problem with the input. */
    readonly problems: InputProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * Zod issues as problems.
 * @example issueProblems(result.error.issues) // [{ field: "redirectUris.0", message: "must be an absolute URI without a fragment" }]
 */
export function issueProblems(issues: readonly { path: readonly PropertyKey[]; message: string }[]): InputProblem[] {
  return issues.map((i) => ({ field: i.path.length === 0 ? "input" : i.path.map(String).join("."), message: i.message }));
}

/**
 * An `invalid_input` refusal listing `problems`.
 * @example throw invalidInput([{ field: "scopes", message: "…" }]);
 */
export function invalidInput(problems: InputProblem[]): AdminError {
  return new AdminError("invalid_input", problems.map((p) => `${p.field}: ${p.message}`).join("; "), problems);
}
