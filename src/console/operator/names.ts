/**
 * What an operator reads instead of bare ids: an account's name (its display name, else its first platform
 * username) and a client's name. Looked up through the same services as everything else; an id that names
 * nothing (a deleted client, `cli`) keeps no label and shows as the id.
 */
import { listAccounts, type AccountSummary } from "../../admin/accounts";
import { getManagedClient } from "../../admin/client-view";
import { AdminError } from "../../admin/errors";
import type { Caller } from "../../admin/caller";
import type { AppDeps } from "../../deps";
import { ID_PREFIX } from "../../lib/ids";

/**
 * The name a person knows an account by, or undefined when it has none.
 * @example accountLabel({ displayName: null, identities: [{ provider: "github", username: "alice" }] }) // "alice"
 */
export function accountLabel(a: Pick<AccountSummary, "displayName" | "identities">): string | undefined {
  return a.displayName ?? a.identities.find((i) => i.username !== null)?.username ?? undefined;
}

/**
 * Labels of the accounts among `ids` (others are skipped), by id.
 * @example const names = await accountLabels(deps, ["acct_1", "cli"]); names.get("acct_1") // "alice"
 */
export async function accountLabels(deps: AppDeps, ids: Iterable<string | null>): Promise<Map<string, string>> {
  const wanted = [...new Set([...ids].filter((id): id is string => id !== null && id.startsWith(ID_PREFIX.account)))];
  const found = await Promise.all(
    wanted.map(async (id) => {
      // The search matches the id exactly, and also usernames containing it: pick the account itself.
      const { items } = await listAccounts(deps, { q: id, limit: 5 });
      const a = items.find((x) => x.id === id);
      const label = a ? accountLabel(a) : undefined;
      return label === undefined ? undefined : ([id, label] as const);
    }),
  );
  return new Map(found.filter((x) => x !== undefined));
}

/**
 * Names of the clients among `ids` that still exist, by id.
 * @example const names = await clientNames(deps, viewer.asOperator, ["client_1"]);
 */
export async function clientNames(deps: AppDeps, caller: Caller, ids: Iterable<string | null>): Promise<Map<string, string>> {
  const wanted = [...new Set([...ids].filter((id): id is string => id !== null && id.startsWith(ID_PREFIX.client)))];
  const found = await Promise.all(
    wanted.map(async (id) => {
      try {
        return [id, (await getManagedClient(deps, caller, id)).name] as const;
      } catch (err) {
        if (err instanceof AdminError && err.code === "not_found") return undefined;
        throw err;
      }
    }),
  );
  return new Map(found.filter((x) => x !== undefined));
}
