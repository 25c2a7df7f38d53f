/**
 * A client's life: disable, enable, reset its secret, delete. Whatever stops a client also stops what it
 * already holds, at once: a `client` revocation mark in the state store covers every access token issued to
 * it before now (introspection and `requireAuth({ revocation: "store" })` check it), written BEFORE the
 * database change — if the database write then fails, the tokens are dead anyway (fail closed). Its
 * refresh tokens need no mark: a disabled or deleted client cannot authenticate to use them.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { hashClientSecret, newClientSecret } from "../clients/secret-hash";
import { apiKeys, auditEvents, clients } from "../db/schema";
import type { AppDeps } from "../deps";
import { oidcSettingsDelete } from "../oidc/client-settings";
import type { RevocationMark } from "../store/store";
import { auditRow } from "./audit-write";
import { actorOf, type Caller } from "./caller";
import { managedClient, visibleClientRow, type ClientRow, type ManagedClient } from "./client-view";
import { AdminError } from "./errors";

function clientMark(deps: AppDeps, clientId: string, at: number): RevocationMark {
  return { kind: "client", id: clientId, at, ttlSeconds: deps.config.accessTokenTtl + 60 };
}

/**
 * Who disabled the client last (the actor of its newest `client.disabled` row; null when unknown, e.g. the
 * CLI before it recorded actors).
 */
async function disabledBy(deps: AppDeps, clientId: string): Promise<string | null> {
  const [row] = await deps.db
    .select({ actor: auditEvents.actor })
    .from(auditEvents)
    .where(and(eq(auditEvents.type, "client.disabled"), eq(auditEvents.subject, clientId)))
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return row?.actor ?? null;
}

/**
 * Refuse a developer's enabling of an app someone else (an operator) disabled; nothing to check for an
 * enabled app or an operator.
 * @example await assertMayEnable(deps, caller, row); // before any change, so a refusal changes nothing
 */
export async function assertMayEnable(deps: AppDeps, caller: Caller, row: ClientRow): Promise<void> {
  if (caller.kind !== "developer" || row.disabledAt === null) return;
  if ((await disabledBy(deps, row.id)) !== caller.accountId) throw new AdminError("forbidden", "an operator disabled this app; only an operator can enable it again");
}

/**
 * Disable (`true`) or enable (`false`) a client the caller may see; idempotent. Disabling revokes its live
 * access tokens and its API keys (for good: enabling it again brings neither back), like the CLI's
 * `clients disable`. A developer may re-enable only what they disabled themselves: an app an operator
 * disabled (say, for breaking the terms of service) stays off until an operator says otherwise.
 * @example await setClientDisabled(deps, caller, "client_…", true);
 */
export async function setClientDisabled(deps: AppDeps, caller: Caller, id: string, disabled: boolean): Promise<ManagedClient> {
  const row = await visibleClientRow(deps.db, caller, id);
  if ((row.disabledAt !== null) === disabled) return managedClient(deps.db, row);
  const now = deps.now();
  const actor = actorOf(caller);
  if (disabled) {
    await deps.store.revoke([clientMark(deps, id, now)]);
    await deps.db.batch([
      deps.db.update(clients).set({ disabledAt: now }).where(eq(clients.id, id)),
      deps.db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.clientId, id), isNull(apiKeys.revokedAt))),
      auditRow(deps.db, { type: "client.disabled", actor, subject: id }, now),
    ]);
    return managedClient(deps.db, { ...row, disabledAt: now });
  }
  await assertMayEnable(deps, caller, row);
  await deps.db.batch([
    deps.db.update(clients).set({ disabledAt: null }).where(eq(clients.id, id)),
    auditRow(deps.db, { type: "client.enabled", actor, subject: id }, now),
  ]);
  return managedClient(deps.db, { ...row, disabledAt: null });
}

/**
 * Give a confidential client a new secret, returned here and never again; the old one stops working at
 * once. Tokens already issued live on (a reset is not a revocation: disable the client for that).
 * @example const { secret } = await resetClientSecret(deps, caller, "client_…");
 */
export async function resetClientSecret(deps: AppDeps, caller: Caller, id: string): Promise<{ client: ManagedClient; secret: string }> {
  const row = await visibleClientRow(deps.db, caller, id);
  if (row.isPublic) throw new AdminError("conflict", `client ${id} is public: it has no secret`);
  const secret = newClientSecret();
  const secretHash = await hashClientSecret(secret);
  const now = deps.now();
  await deps.db.batch([
    deps.db.update(clients).set({ secretHash }).where(eq(clients.id, id)),
    auditRow(deps.db, { type: "client.secret_rotated", actor: actorOf(caller), subject: id }, now),
  ]);
  return { client: await managedClient(deps.db, { ...row, secretHash }), secret };
}

/**
 * Delete a client the caller may see, with its API keys and its OpenID Connect settings. Its access tokens and those exchanged from its keys
 * are revoked first (a `client` mark and one grant mark per key: exchanged tokens carry the key as `gid`).
 * Audit rows about it stay.
 * @example await deleteManagedClient(deps, caller, "client_…");
 */
export async function deleteManagedClient(deps: AppDeps, caller: Caller, id: string): Promise<void> {
  const row = await visibleClientRow(deps.db, caller, id);
  const keys = await deps.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.clientId, id));
  const now = deps.now();
  const keyTtl = deps.config.accessTokenTtl + 60;
  await deps.store.revoke([clientMark(deps, id, now), ...keys.map((k) => ({ kind: "family" as const, id: k.id, at: now, ttlSeconds: keyTtl }))]);
  // Keys are deleted explicitly: SQLite enforces the foreign key's cascade only with PRAGMA foreign_keys on.
  await deps.db.batch([
    deps.db.delete(apiKeys).where(eq(apiKeys.clientId, id)),
    deps.db.delete(clients).where(eq(clients.id, id)),
    oidcSettingsDelete(deps.db, id),
    auditRow(deps.db, { type: "client.deleted", actor: actorOf(caller), subject: id, detail: { name: row.name, owner: row.ownerAccountId, api_keys: keys.map((k) => k.id) } }, now),
  ]);
}
