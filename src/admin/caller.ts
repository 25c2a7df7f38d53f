/**
 * Who is asking the management services. Every change is audited with its actor: an account id (a person
 * through the console or the API), a client id (an operator's script using client_credentials) or `cli`.
 */

/**
 * An operator (sees and changes everything) or a developer (sees and changes only what their account
 * owns). A developer's actor is their account id.
 */
export type Caller = { kind: "operator"; actor: string } | { kind: "developer"; accountId: string };

/**
 * The id that goes into audit rows as `actor`.
 * @example actorOf({ kind: "developer", accountId: "acct_1" }) // "acct_1"
 */
export function actorOf(caller: Caller): string {
  return caller.kind === "operator" ? caller.actor : caller.accountId;
}

/** The operator caller of the admin CLI. */
export const CLI_CALLER: Caller = { kind: "operator", actor: "cli" };
