/**
 * An account's entitlements, published in the state store next to its refresh families: every derivation
 * (login, link, unlink, re-sync) writes them under `entitlementsKey(account)`, and the rotation script
 * returns them in the same round trip that rotates a refresh token — so a refresh reads no database for
 * them (on Workers that is a Turso round trip saved per refresh). They are trusted exactly as long as the
 * database row would be (ENTITLEMENTS_MAX_AGE from their derivation); older or missing, the refresh falls
 * back to the database and the re-sync that publishes them anew.
 */
import { z } from "zod";
import type { AppDeps } from "../deps";
import type { Rules } from "../rules/schema";
import { entitlementsKey, type FlowStore } from "../store/store";
import { deriveAndStoreEntitlements, type StoredEntitlements } from "./entitlements";

const Published = z.object({ scopes: z.array(z.string()), roles: z.array(z.string()), derivedAt: z.number() });

/**
 * Publish `ent` for `accountId`, kept until it is too old to be trusted anyway.
 * @example await publishEntitlements(deps.store, deps.config.entitlementsMaxAge, accountId, ent, deps.now());
 */
export async function publishEntitlements(store: FlowStore, maxAgeSeconds: number, accountId: string, ent: StoredEntitlements, now: number): Promise<void> {
  const ttl = Math.ceil((ent.derivedAt + maxAgeSeconds * 1000 - now) / 1000);
  if (ttl <= 0) {
    await store.delete(entitlementsKey(accountId)); // nothing fresh to publish: a stale copy must not linger
    return;
  }
  await store.put(entitlementsKey(accountId), JSON.stringify({ scopes: ent.scopes, roles: ent.roles, derivedAt: ent.derivedAt }), ttl);
}

/**
 * The published entitlements as a rotation returned them, when still fresh at `now`; null otherwise.
 * @example const ent = freshPublished(rotation.entitlements, deps.now(), deps.config.entitlementsMaxAge);
 */
export function freshPublished(value: string | undefined, now: number, maxAgeSeconds: number): StoredEntitlements | null {
  if (value === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const ent = Published.safeParse(parsed);
  return ent.success && now - ent.data.derivedAt < maxAgeSeconds * 1000 ? ent.data : null;
}

/**
 * Derive and store the account's entitlements (see `deriveAndStoreEntitlements`), then publish them.
 * @example await deriveAndPublish(deps, rules, accountId, deps.now());
 */
export async function deriveAndPublish(deps: AppDeps, rules: Rules, accountId: string, now: number): Promise<StoredEntitlements & { changed: boolean }> {
  const derived = await deriveAndStoreEntitlements(deps.db, rules, accountId, now);
  await publishEntitlements(deps.store, deps.config.entitlementsMaxAge, accountId, derived, now);
  return derived;
}
