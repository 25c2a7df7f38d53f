/**
 * Checking a presented API key, the one path behind introspection and the token exchange: offline shape
 * and checksum first (noise costs no look-up), then the keyed hash in the database joined with the key's
 * owner, then what the key may carry right now — its scopes ∩ its owner's: the account's current
 * entitlements (re-synced from the platforms when too old) or the owning client's scopes.
 */
import type { AppDeps } from "../deps";
import type { SubjectEntitlements } from "../domain";
import { isWellFormedApiKey } from "./format";
import { apiKeyHash } from "./hash";
import { findApiKeyByHash, noteApiKeyUse, noteRefusedAfterBlock, ownerId, type ApiKey } from "./registry";

/** What a live key stands for at this moment. */
export interface ApiKeyAccess {
  key: ApiKey;
  /** The owning account, or the owning client (as `sub` of client_credentials tokens). */
  sub: string;
  /** The owning client (service keys); a personal key acts as its own client: its id. */
  clientId: string;
  /** Effective scopes now. */
  scopes: string[];
  roles: string[];
}

/** Why a key was refused. `malformed` was decided offline. */
export type ApiKeyRefusal = "malformed" | "unknown" | "revoked" | "expired" | "owner_blocked" | "client_disabled" | "rate_limited";

/** Outcome of one check. */
export type ApiKeyCheck = { ok: true; access: ApiKeyAccess } | { ok: false; reason: ApiKeyRefusal; retryAt?: number };

/** `wanted` (null: everything) ∩ `owned`, sorted. */
function narrow(wanted: readonly string[] | null, owned: readonly string[]): string[] {
  const own = new Set(owned);
  return [...new Set(wanted ?? owned)].filter((s) => own.has(s)).sort();
}

/**
 * A checker built once per app. `mayUse`, when given, decides right after the look-up whether the caller
 * may learn about this key at all; when it says no, the key counts as unknown and nothing about it moves
 * (no per-key limit spent, no `last_used_at` written), so a stranger can neither spend a key's budget nor
 * tell a live key from noise by its 429.
 */
export type ApiKeyChecker = (presented: string, mayUse?: (key: ApiKey) => boolean) => Promise<ApiKeyCheck>;

/**
 * Build the checker over the app's deps and the entitlements hook the grants use.
 * @example const check = apiKeyChecker(deps, entitlements); const r = await check(token);
 */
export function apiKeyChecker(deps: AppDeps, entitlements: SubjectEntitlements): ApiKeyChecker {
  const rule = { name: "api-key", limit: deps.config.apiKeyRatePerMinute, windowSeconds: 60 };
  return async (presented, mayUse) => {
    if (!isWellFormedApiKey(presented)) return { ok: false, reason: "malformed" };
    const found = await findApiKeyByHash(deps.db, await apiKeyHash(deps.config.secret, presented));
    if (!found || (mayUse && !mayUse(found.key))) return { ok: false, reason: "unknown" };
    const { key } = found;
    const now = deps.now();
    // The owner first: a block revokes its keys too, and the first use after it is worth an audit row.
    if (found.ownerOffAt !== null) {
      await noteRefusedAfterBlock(deps.db, found, now);
      return { ok: false, reason: key.owner.kind === "account" ? "owner_blocked" : "client_disabled" };
    }
    if (key.revokedAt !== null) return { ok: false, reason: "revoked" };
    if (key.expiresAt !== null && key.expiresAt <= now) return { ok: false, reason: "expired" };
    // Per key, across instances where the limiter is shared (Upstash): a leaked key cannot be hammered.
    if (rule.limit > 0) {
      const { success, reset } = await deps.rateLimiter.check(rule, key.id);
      if (!success) return { ok: false, reason: "rate_limited", retryAt: reset };
    }
    let scopes: string[];
    let roles: string[] = [];
    if (key.owner.kind === "account") {
      // May throw temporarily_unavailable: entitlements too old and the platform silent (never a guess).
      const current = await entitlements(key.owner.accountId);
      scopes = narrow(key.scopes, current.scopes ?? []);
      roles = current.roles;
    } else {
      // As for client_credentials: a client gets at most its allowed scopes (none when it has none).
      scopes = narrow(key.scopes, found.clientScopes);
    }
    await noteApiKeyUse(deps.db, key, now);
    const sub = ownerId(key.owner);
    return { ok: true, access: { key, sub, clientId: key.owner.kind === "client" ? key.owner.clientId : key.id, scopes, roles } };
  };
}
