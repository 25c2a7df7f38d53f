/**
 * `accounts list | show | block | unblock`, through the management services (src/admin/) as the operator
 * `cli`. Blocking: the database flag stops new logins and the account's API keys, and ONE revocation mark
 * in the state store covers every session, refresh token and access token issued to the account before
 * now. `accounts show` explains each scope and role by the rule that grants it, which takes the server's
 * rules document: it opens everything; `accounts list` needs only the database.
 */
import { blockAccountAs, unblockAccountAs } from "../admin/account-block";
import { getAccountDetail, listAccounts } from "../admin/accounts";
import { actorOf, CLI_CALLER } from "../admin/caller";
import { listAccountSessions } from "../admin/sessions";
import type { AppDeps } from "../deps";
import type { ParsedArgs } from "./args";
import type { CliContext } from "./commands";
import { presentAccountDetail, presentAccountSummary, presentPage, presentSession } from "../admin/present";
import { asCli, PAGE_FLAGS, pageLimit, serviceDeps, stringOption } from "./services";

/**
 * Block `accountId` and revoke everything issued to it (idempotent), audited with the actor `cli`.
 * @example const { blocked_at } = await blockAccountEverywhere(deps, "acct_…");
 */
export async function blockAccountEverywhere(deps: AppDeps, accountId: string): Promise<{ account_id: string; blocked_at: string }> {
  const { blockedAt } = await blockAccountAs(deps, accountId, actorOf(CLI_CALLER));
  return { account_id: accountId, blocked_at: new Date(blockedAt).toISOString() };
}

/**
 * Unblock `accountId`: new logins work again; what was revoked stays revoked.
 * @example await unblockAccountEverywhere(deps, "acct_…");
 */
export async function unblockAccountEverywhere(deps: AppDeps, accountId: string): Promise<{ account_id: string; blocked: false }> {
  await unblockAccountAs(deps, accountId, actorOf(CLI_CALLER));
  return { account_id: accountId, blocked: false };
}

/** The filter of `accounts list`, checked (before anything opens). */
function accountFilter(values: ParsedArgs["values"]) {
  return { q: stringOption(values, "query"), limit: pageLimit(values), cursor: stringOption(values, "before") };
}

/** Checks of the arguments, run before anything is opened. */
export const accountChecks: Record<string, (args: ParsedArgs) => void> = {
  "accounts list": ({ values }) => void accountFilter(values),
};

/** Runs of the `accounts` commands. */
export const accountRuns: Record<string, (args: ParsedArgs, ctx: CliContext) => Promise<unknown>> = {
  "accounts list": async ({ values }, ctx) => {
    const filter = accountFilter(values);
    return presentPage(await asCli(PAGE_FLAGS, filter, () => listAccounts(serviceDeps(ctx), filter)), presentAccountSummary);
  },
  "accounts show": async ({ positionals }, ctx) => {
    const deps = serviceDeps(ctx);
    const id = positionals.ACCOUNT_ID!;
    const detail = await getAccountDetail(deps, id);
    // The API serves sessions at /api/v1/sessions?account=ID; at a terminal one answer is handier.
    const sessions = await listAccountSessions(deps, id);
    return { ...presentAccountDetail(detail), blocked: detail.blockedAt !== null, sessions: sessions.map(presentSession) };
  },
  "accounts block": async ({ positionals }, ctx) => blockAccountEverywhere(serviceDeps(ctx), positionals.ACCOUNT_ID!),
  "accounts unblock": async ({ positionals }, ctx) => unblockAccountEverywhere(serviceDeps(ctx), positionals.ACCOUNT_ID!),
};
