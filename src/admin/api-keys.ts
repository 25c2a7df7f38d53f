/**
 * API keys through the management services (the registry and revocation in src/apikeys do the work).
 * Operators see and manage every key. A developer sees and manages their personal keys and the service
 * keys of the apps they own; a service key they make may carry only scopes its app is allowed (the key
 * check lets a key of an app without any allowed scope carry its own scopes as they are).
 */
import { createApiKey, getApiKey, listApiKeys, type ApiKey, type ApiKeyOwner } from "../apikeys/registry";
import { revokeApiKeyEverywhere } from "../apikeys/revoke";
import { toClient } from "../clients/registry";
import type { AppDeps } from "../deps";
import { actorOf, type Caller } from "./caller";
import { clientRow, listManagedClients, visibleClientRow } from "./client-view";
import { AdminError, invalidInput } from "./errors";

/** Whose keys to list (at most one of the two). */
export interface ApiKeyFilter {
  account?: string | undefined;
  client?: string | undefined;
}

/** Input of {@link createManagedApiKey}: an owner (a developer's own account by default), a name, limits. */
export interface NewApiKey {
  name: string;
  /** Scopes the key may carry; null or absent: whatever its owner has. */
  scopes?: string[] | null | undefined;
  /** Lifetime in seconds; absent: no expiry. */
  expiresInSeconds?: number | undefined;
  /** A personal key of this account. */
  account?: string | undefined;
  /** A service key of this client. */
  client?: string | undefined;
}

/** The owner a developer names, if it is theirs; anyone else's is `not_found`, like a missing one. */
async function developerOwner(deps: AppDeps, accountId: string, filter: ApiKeyFilter): Promise<ApiKeyOwner> {
  if (filter.client !== undefined) return { kind: "client", clientId: (await visibleClientRow(deps.db, { kind: "developer", accountId }, filter.client)).id };
  if (filter.account !== undefined && filter.account !== accountId) throw new AdminError("not_found", `no account ${filter.account}`);
  return { kind: "account", accountId };
}

function ownerOf(filter: ApiKeyFilter): ApiKeyOwner | undefined {
  if (filter.account !== undefined && filter.client !== undefined) throw invalidInput([{ field: "input", message: "name an account or a client, not both" }]);
  if (filter.account !== undefined) return { kind: "account", accountId: filter.account };
  if (filter.client !== undefined) return { kind: "client", clientId: filter.client };
  return undefined;
}

/**
 * Keys, newest first (never a key or its hash): an operator's filter, or a developer's own.
 * @example const keys = await listManagedApiKeys(deps, caller, { client: "client_…" });
 */
export async function listManagedApiKeys(deps: AppDeps, caller: Caller, filter: ApiKeyFilter): Promise<ApiKey[]> {
  const owner = ownerOf(filter);
  if (caller.kind === "operator") return listApiKeys(deps.db, owner);
  if (owner !== undefined) return listApiKeys(deps.db, await developerOwner(deps, caller.accountId, filter));
  // Everything the developer owns: their personal keys and those of their apps.
  const keys = await listApiKeys(deps.db, { kind: "account", accountId: caller.accountId });
  let cursor: string | undefined;
  do {
    const page = await listManagedClients(deps, caller, { limit: 200, cursor });
    for (const c of page.items) keys.push(...(await listApiKeys(deps.db, { kind: "client", clientId: c.id })));
    cursor = page.next;
  } while (cursor !== undefined);
  return keys.sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Make a key; the key itself is in the answer and nowhere else, ever.
 * @example const { key, apiKey } = await createManagedApiKey(deps, caller, { name: "ci", client: "client_…", scopes: ["deploy"] });
 */
export async function createManagedApiKey(deps: AppDeps, caller: Caller, input: NewApiKey): Promise<{ key: string; apiKey: ApiKey }> {
  let owner = ownerOf(input);
  if (caller.kind === "developer") {
    owner = await developerOwner(deps, caller.accountId, input);
    if (owner.kind === "client") {
      const allowed = toClient(await visibleClientRow(deps.db, caller, owner.clientId)).scopes;
      const extra = (input.scopes ?? []).filter((s) => !allowed.includes(s));
      if (extra.length > 0) throw invalidInput([{ field: "scopes", message: `the app is not allowed ${extra.join(", ")}` }]);
    }
  }
  if (owner === undefined) throw invalidInput([{ field: "input", message: "name the account or the client that owns the key" }]);
  return createApiKey(
    deps.db,
    deps.config.secret,
    { owner, name: input.name, scopes: input.scopes ?? null, expiresInSeconds: input.expiresInSeconds, createdBy: actorOf(caller) },
    deps.now(),
  );
}

/**
 * Revoke a key the caller may see, and the access tokens exchanged from it, at once.
 * @example await revokeManagedApiKey(deps, caller, "key_…");
 */
export async function revokeManagedApiKey(deps: AppDeps, caller: Caller, id: string): Promise<ApiKey> {
  const key = await getApiKey(deps.db, id);
  if (!key) throw new AdminError("not_found", `no API key ${id}`);
  if (caller.kind === "developer") {
    const own = key.owner.kind === "account" ? key.owner.accountId === caller.accountId : (await clientRow(deps.db, key.owner.clientId))?.ownerAccountId === caller.accountId;
    if (!own) throw new AdminError("not_found", `no API key ${id}`);
  }
  return revokeApiKeyEverywhere(deps, key, actorOf(caller));
}
