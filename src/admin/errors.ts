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

/** A refused management operation. */
export class AdminError extends Error {
  override readonly name = "AdminError";
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    /** One line per problem, each starting with the field it is about (`scopes: …`). */
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/**
 * Zod-style issues as `field: message` lines.
 * @example issueLines(result.error.issues) // ["redirect_uris.0: must be an absolute URI without a fragment"]
 */
export function issueLines(issues: readonly { path: readonly PropertyKey[]; message: string }[], names: Record<string, string> = {}): string[] {
  return issues.map((i) => {
    const [head, ...rest] = i.path.map(String);
    const field = head === undefined ? "input" : [names[head] ?? head, ...rest].join(".");
    return `${field}: ${i.message}`;
  });
}
