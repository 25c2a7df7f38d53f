/** Management API: accounts and their sessions (operators). */
import { z } from "zod";
import { actorOf } from "../admin/caller";
import { blockAccountAs, unblockAccountAs } from "../admin/account-block";
import { getAccountDetail, listAccounts } from "../admin/accounts";
import { iso, presentAccountDetail, presentAccountSummary, presentSession } from "../admin/present";
import { listAccountSessions, revokeSessionAs } from "../admin/sessions";
import { IdParam, PageQuery, pathId, query } from "./input";
import { json, list, route } from "./route";

const ListQuery = z.object({ ...PageQuery, q: z.string().max(200).optional() });
const SessionsQuery = z.object({ account: IdParam });

/** `/api/v1/accounts` and `/api/v1/sessions` routes. */
export const accountRoutes = [
  route("GET", "/api/v1/accounts", "operator", "accounts, newest first: search by id, platform username or display name (q)", async ({ c, deps }) => {
    const page = await listAccounts(deps, query(c, ListQuery));
    return list(c, page.items.map(presentAccountSummary), page.next);
  }),
  route("GET", "/api/v1/accounts/:id", "operator", "one account: identities, entitlements and the rule that granted each", async ({ c, deps }) =>
    json(c, presentAccountDetail(await getAccountDetail(deps, pathId(c, "id")))),
  ),
  route("POST", "/api/v1/accounts/:id/block", "operator", "block an account: every session, token and API key it holds stops at once", async ({ c, deps, caller }) => {
    const id = pathId(c, "id");
    const { blockedAt } = await blockAccountAs(deps, id, actorOf(caller));
    return json(c, { id, blocked_at: iso(blockedAt) });
  }),
  route("POST", "/api/v1/accounts/:id/unblock", "operator", "unblock an account (what the block revoked stays revoked)", async ({ c, deps, caller }) => {
    const id = pathId(c, "id");
    await unblockAccountAs(deps, id, actorOf(caller));
    return json(c, { id, blocked_at: null });
  }),
  route("GET", "/api/v1/sessions", "operator", "an account's live sessions (account=ID)", async ({ c, deps }) =>
    list(c, (await listAccountSessions(deps, query(c, SessionsQuery).account)).map(presentSession)),
  ),
  route("POST", "/api/v1/sessions/:id/revoke", "operator", "revoke a session and every token issued through it", async ({ c, deps, caller }) => {
    const r = await revokeSessionAs(deps, pathId(c, "id"), actorOf(caller));
    return json(c, { id: r.id, account_id: r.accountId, revoked_at: iso(r.revokedAt) });
  }),
];
