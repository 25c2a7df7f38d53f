/**
 * Disabling a client: the database flag stops it authenticating, and ONE revocation mark in the state
 * store covers every access token issued to it before now (checked by introspection and by
 * `requireAuth({ revocation: "store" })`), so its tokens stop at once rather than at expiry.
 */
import { disableClient, findClient, type Client } from "../clients/registry";
import type { AppDeps } from "../deps";

/** Disable `clientId` and revoke its live access tokens. */
export async function disableClientEverywhere(deps: AppDeps, clientId: string): Promise<Client> {
  const found = await findClient(deps.db, clientId);
  if (!found) throw new Error(`no client ${clientId}`);
  if (found.disabledAt !== null) return found;
  const now = deps.now();
  // The mark first: if the database write fails after it, the tokens are dead anyway (fail closed).
  // Its refresh tokens need no mark: a disabled client cannot authenticate to use them.
  await deps.store.revoke([{ kind: "client", id: clientId, at: now, ttlSeconds: deps.config.accessTokenTtl + 60 }]);
  return disableClient(deps.db, clientId, now);
}
