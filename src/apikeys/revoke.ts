/**
 * Revoking an API key everywhere: the database row stops every later check (introspection, exchange), and
 * ONE revocation mark in the state store — the key's id as a grant id — ends the access tokens already
 * exchanged from it (they carry it as `gid`), at introspection and in `requireAuth({ revocation: "store" })`.
 */
import type { AppDeps } from "../deps";
import { markApiKeyRevoked, type ApiKey } from "./registry";

/**
 * Revoke `key` on behalf of `actor` (`cli`, an account id).
 * @example await revokeApiKeyEverywhere(deps, key, "cli");
 */
export async function revokeApiKeyEverywhere(deps: AppDeps, key: ApiKey, actor: string): Promise<ApiKey> {
  const now = deps.now();
  // The mark first: if the database write fails after it, the exchanged tokens are dead anyway (fail closed).
  await deps.store.revoke([{ kind: "family", id: key.id, at: now, ttlSeconds: deps.config.accessTokenTtl + 60 }]);
  return markApiKeyRevoked(deps.db, key, actor, now);
}
