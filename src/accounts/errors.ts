/**
 * Errors of the account layer, and recognition of the database error it handles itself (a lost race on
 * the identity key).
 */

/** Why an account operation was refused. */
export type AccountErrorCode =
  | "identity_linked_elsewhere"
  | "link_requires_session"
  | "account_blocked"
  | "last_identity"
  | "not_found";

const MESSAGES: Record<AccountErrorCode, string> = {
  identity_linked_elsewhere: "This identity is already linked to another account. Unlink it there first.",
  link_requires_session: "Linking an identity needs a signed-in session.",
  account_blocked: "This account is blocked.",
  last_identity: "The last linked identity cannot be removed.",
  not_found: "No such account or identity.",
};

/**
 * A refused account operation. `message` is safe to show to the person (it names no other account);
 * the HTTP layer maps `code` to a status.
 */
export class AccountError extends Error {
  override readonly name = "AccountError";
  constructor(
    readonly code: AccountErrorCode,
    message: string = MESSAGES[code],
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

function* causes(err: unknown): Generator<{ code?: unknown; extendedCode?: unknown; message?: unknown }> {
  // drizzle wraps single queries in DrizzleQueryError (cause: LibsqlError); batches throw LibsqlBatchError
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    yield e as { code?: unknown; extendedCode?: unknown; message?: unknown };
  }
}

/** Whether `err` is a unique violation of the `identities (provider, subject)` index (local file or remote). */
export function isIdentityKeyViolation(err: unknown): boolean {
  for (const e of causes(err)) {
    if (typeof e.message === "string" && /UNIQUE constraint failed: identities\.provider, identities\.subject/.test(e.message)) return true;
  }
  return false;
}
