/**
 * What a developer may give their own app. The rules exist because some of what a client is allowed is
 * power without a person behind it: a client_credentials token carries the client's allowed scopes as they
 * are, and so does a service API key. So a developer may add to their app only:
 * - scopes their own account is entitled to right now (they cannot mint what they do not have), and never
 *   a reserved `authbridge:` scope (management power is the operator's to hand out);
 * - audiences other than the management API's own;
 * - no introspection rights (a resource server sees other clients' tokens: the operator's decision), and
 *   no other owner.
 * What an operator put on a developer's app stays; only additions are checked.
 */
import { getEntitlements } from "../accounts/entitlements";
import type { Database } from "../db/client";
import type { InputProblem } from "./errors";

/** Scopes only an operator can put on a client. */
export const RESERVED_SCOPE_PREFIX = "authbridge:";

/** What a developer's change would add to their app. */
export interface DeveloperAdditions {
  scopes: readonly string[];
  audiences: readonly string[];
  introspectAudiences: readonly string[];
}

/**
 * The problems with what a developer adds; empty when it is allowed.
 * @example const problems = await developerProblems(db, accountId, managementAud, { scopes: ["repos:read"], audiences: [], introspectAudiences: [] });
 */
export async function developerProblems(db: Database, accountId: string, managementAudience: string, added: DeveloperAdditions): Promise<InputProblem[]> {
  const problems: InputProblem[] = [];
  const reserved = added.scopes.filter((s) => s.startsWith(RESERVED_SCOPE_PREFIX));
  if (reserved.length > 0) problems.push({ field: "scopes", message: `only an operator can allow ${reserved.join(", ")}` });
  const rest = added.scopes.filter((s) => !s.startsWith(RESERVED_SCOPE_PREFIX));
  if (rest.length > 0) {
    const entitled = new Set((await getEntitlements(db, accountId))?.scopes ?? []);
    const missing = rest.filter((s) => !entitled.has(s));
    if (missing.length > 0) problems.push({ field: "scopes", message: `you are not entitled to ${missing.join(", ")}, so your app cannot be allowed them` });
  }
  if (added.audiences.includes(managementAudience)) problems.push({ field: "audiences", message: "only an operator can let a client call the management API" });
  if (added.introspectAudiences.length > 0) problems.push({ field: "introspectAudiences", message: "only an operator can let a client introspect tokens" });
  return problems;
}

/**
 * What `next` has that `before` had not.
 * @example added(["a"], ["a", "b"]) // ["b"]
 */
export function added(before: readonly string[], next: readonly string[]): string[] {
  const had = new Set(before);
  return next.filter((x) => !had.has(x));
}
