/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * What an operator does to an account: block it (after a confirmation page), unblock it, revoke one of its
 * sessions or API keys (each after a confirmation page). The services write the revocation marks and the
 * audit rows, with the operator's account as actor. A session or key named under another account's path
 * is 404, like one that does not exist: the page a person confirmed on is about the account it names.
 */
import type { Child } from "hono/jsx";
import { blockAccountAs, unblockAccountAs } from "../../admin/account-block";
import { getAccountDetail, type AccountDetail } from "../../admin/accounts";
import { listManagedApiKeys, revokeManagedApiKey } from "../../admin/api-keys";
import { actorOf } from "../../admin/caller";
import { AdminError } from "../../admin/errors";
import { listAccountSessions, revokeSessionAs, type SessionView } from "../../admin/sessions";
import type { ApiKey } from "../../apikeys/registry";
import type { AppDeps } from "../../deps";
import { When } from "../../ui/when";
import { consolePage } from "../layout";
import { adminErrorPage } from "../shared/admin-errors";
import { ConfirmAction } from "../shared/confirm";
import { ACCOUNTS_BACK, accountName, accountPath } from "./account-page";
import { doneRedirect, param, type OperatorContext } from "./route";

/** The account in the path, or the 404 page. */
async function accountOf(c: OperatorContext, deps: AppDeps): Promise<AccountDetail | Response> {
  try {
    return await getAccountDetail(deps, param(c, "accountId"));
  } catch (err) {
    return adminErrorPage(c, err, ACCOUNTS_BACK);
  }
}

/** The account's live session in the path, or not_found. */
async function sessionOf(c: OperatorContext, deps: AppDeps, accountId: string): Promise<SessionView> {
  const sid = param(c, "sessionId");
  const found = (await listAccountSessions(deps, accountId)).find((s) => s.id === sid);
  if (!found) throw new AdminError("not_found", `no live session ${sid} of ${accountId}`);
  return found;
}

/** The account's API key in the path, or not_found. */
async function keyOf(c: OperatorContext, deps: AppDeps, accountId: string): Promise<ApiKey> {
  const id = param(c, "keyId");
  const found = (await listManagedApiKeys(deps, c.var.viewer.asOperator, { account: accountId })).find((k) => k.id === id);
  if (!found) throw new AdminError("not_found", `no API key ${id} of ${accountId}`);
  return found;
}

/** Answer a confirmation page about the account in the path (and maybe a thing of it). */
async function confirmPage(c: OperatorContext, deps: AppDeps, what: string, body: (a: AccountDetail, name: string) => Promise<{ title: string; page: Child }>): Promise<Response> {
  const account = await accountOf(c, deps);
  if (account instanceof Response) return account;
  try {
    const { title, page } = await body(account, accountName(account));
    return await consolePage(c, c.var.viewer, { title, active: "accounts" }, page);
  } catch (err) {
    return adminErrorPage(c, err, { what, back: { href: accountPath(account.id), label: "Back to the account" } });
  }
}

/**
 * GET /console/admin/accounts/:accountId/block: what blocking does, and the button that does it.
 * @example page("/console/admin/accounts/:accountId/block", "confirm blocking", confirmBlock)
 */
export function confirmBlock(c: OperatorContext, deps: AppDeps): Promise<Response> {
  return confirmPage(c, deps, "account", async (a, name) => ({
    title: `Block ${name}?`,
    page: (
      <ConfirmAction
        heading={`Block the account ${name}?`}
        action={`${accountPath(a.id)}/block`}
        csrf={c.var.viewer.csrf}
        button={{ label: `Block account ${name}` }}
        cancel={{ href: accountPath(a.id), label: "Keep it active" }}
      >
        <ul class="bullets">
          <li>Every session, access token and refresh token it holds stops working at once: introspection answers inactive.</li>
          <li>Its API keys are refused, and it cannot sign in or get anything new until an operator unblocks it.</li>
          <li>Unblocking lets it sign in again; what the block revoked stays revoked.</li>
        </ul>
      </ConfirmAction>
    ),
  }));
}

/**
 * GET /console/admin/accounts/:accountId/sessions/:sessionId/revoke: the session, and the button that ends it.
 * @example page("/console/admin/accounts/:accountId/sessions/:sessionId/revoke", "confirm revoking a session", confirmRevokeSession)
 */
export function confirmRevokeSession(c: OperatorContext, deps: AppDeps): Promise<Response> {
  const now = deps.now();
  return confirmPage(c, deps, "session", async (a, name) => {
    const s = await sessionOf(c, deps, a.id);
    return {
      title: `Revoke a session of ${name}?`,
      page: (
        <ConfirmAction
          heading={`Revoke this session of ${name}?`}
          action={`${accountPath(a.id)}/sessions/${encodeURIComponent(s.id)}/revoke`}
          csrf={c.var.viewer.csrf}
          button={{ label: "Revoke session", ariaLabel: `Revoke session ${s.id} of ${name}` }}
          cancel={{ href: accountPath(a.id), label: "Keep the session" }}
        >
          <p>
            Signed in <When at={s.createdAt} now={now} />, last seen <When at={s.lastSeenAt} now={now} />
            {s.userAgent ? <>, with {s.userAgent}</> : null} (<code>{s.id}</code>).
          </p>
          <p>The browser is signed out, and every token issued through this session stops working at once. The account itself stays active.</p>
        </ConfirmAction>
      ),
    };
  });
}

/**
 * GET /console/admin/accounts/:accountId/api-keys/:keyId/revoke: the key, and the button that revokes it.
 * @example page("/console/admin/accounts/:accountId/api-keys/:keyId/revoke", "confirm revoking a key", confirmRevokeKey)
 */
export function confirmRevokeKey(c: OperatorContext, deps: AppDeps): Promise<Response> {
  return confirmPage(c, deps, "API key", async (a, name) => {
    const k = await keyOf(c, deps, a.id);
    return {
      title: `Revoke the API key ${k.name}?`,
      page: (
        <ConfirmAction
          heading={`Revoke the API key ${k.name} of ${name}?`}
          action={`${accountPath(a.id)}/api-keys/${encodeURIComponent(k.id)}/revoke`}
          csrf={c.var.viewer.csrf}
          button={{ label: "Revoke API key", ariaLabel: `Revoke API key ${k.name} of ${name}` }}
          cancel={{ href: accountPath(a.id), label: "Keep the key" }}
        >
          <p>
            The key <code>{k.hint}</code> is refused from now on, and the tokens exchanged from it stop working at once. This cannot be undone.
          </p>
        </ConfirmAction>
      ),
    };
  });
}

/** Run a change on the account in the path (the actor: this operator), then back to its page with a notice. */
async function change(c: OperatorContext, work: (accountId: string, actor: string) => Promise<unknown>, done: string, what = "account"): Promise<Response> {
  const id = param(c, "accountId");
  try {
    await work(id, actorOf(c.var.viewer.asOperator));
  } catch (err) {
    return adminErrorPage(c, err, what === "account" ? ACCOUNTS_BACK : { what, back: { href: accountPath(id), label: "Back to the account" } });
  }
  return doneRedirect(c, accountPath(id), done);
}

/** POST /console/admin/accounts/:accountId/block. */
export const blockAccount = (c: OperatorContext, deps: AppDeps) => change(c, (id, actor) => blockAccountAs(deps, id, actor), "blocked");

/** POST /console/admin/accounts/:accountId/unblock. */
export const unblockAccount = (c: OperatorContext, deps: AppDeps) => change(c, (id, actor) => unblockAccountAs(deps, id, actor), "unblocked");

/** POST /console/admin/accounts/:accountId/sessions/:sessionId/revoke. */
export const revokeSession = (c: OperatorContext, deps: AppDeps) =>
  change(c, async (id, actor) => revokeSessionAs(deps, (await sessionOf(c, deps, id)).id, actor), "session-revoked", "session");

/** POST /console/admin/accounts/:accountId/api-keys/:keyId/revoke. */
export const revokeKey = (c: OperatorContext, deps: AppDeps) =>
  change(c, async (id) => revokeManagedApiKey(deps, c.var.viewer.asOperator, (await keyOf(c, deps, id)).id), "key-revoked", "API key");
