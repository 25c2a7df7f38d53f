/**
 * Entitlement re-sync: an account's entitlements are trusted for ENTITLEMENTS_MAX_AGE; after that, the
 * next token request re-fetches each identity's facts from its platform with the stored (sealed) user
 * token, re-derives, and signs with what comes out. Upstream changes (a member removed from a team, a
 * Discord role taken away, a revoked token) thus reach tokens without any admin action.
 *
 * Per identity:
 * - the platform answers → its facts are stored (an expired token is refreshed first, and once more when
 *   the platform refuses a token we thought valid);
 * - the platform refuses the token (or the refresh token) → the identity is marked stale and grants nothing;
 * - the platform does not answer (outage, 5xx/429, hang cut at PLATFORM_TIMEOUT_MS) → its OLD facts stay.
 * Skipped: stale identities, identities without stored tokens (bots from token exchange: their facts come
 * from each exchange), and providers whose platform cannot re-fetch facts (`dev`, `github-actions`: no
 * platform offers `refetchFacts` for them). Each platform is asked for its capabilities
 * (`refetchFacts`, `refreshTokens`), never switched on by name.
 *
 * Then the account is re-derived from the freshest facts we have: those that answered count fresh, those
 * that did not keep their old facts. That is never staler than keeping the old entitlements as a whole
 * (what one platform just told us, e.g. a removal, applies at once). The entitlements' `derivedAt` is set
 * back to the oldest facts that went into them, so the grace is measured from when a platform last
 * confirmed its facts (and the next refresh tries the silent platform again). Older than
 * ENTITLEMENTS_MAX_AGE + ENTITLEMENTS_GRACE → the token request is refused with `temporarily_unavailable`.
 */
import { eq } from "drizzle-orm";
import { entitlements as entitlementsTable, identities } from "../db/schema";
import type { AppDeps } from "../deps";
import { ProviderRejectedError, type Platform, type ProviderTokens } from "../domain";
import { DependencyUnavailableError, OAuthError } from "../errors";
import { derivedKey } from "../lib/secret";
import type { Rules } from "../rules/schema";
import { deriveAndStoreEntitlements, getEntitlements, type StoredEntitlements } from "./entitlements";
import { AccountError } from "./errors";
import { publishEntitlements } from "./published-entitlements";
import { identityTokens, markIdentityStale, openProviderTokens, sealProviderTokens, storeFacts } from "./facts";
import { listIdentities, type Identity } from "./identities";

/** Time budget of one identity's platform round trip(s): a hanging platform counts as "not answering". */
export const PLATFORM_TIMEOUT_MS = 5_000;

// Refresh a little before the platform's expiry, so the token does not die between our check and its use.
const EXPIRY_SKEW_SECONDS = 60;

type Outcome = { kind: "synced" | "stale" | "skipped" } | { kind: "unavailable"; provider: string; factsAt: number };

/** The platforms by id: what each can do for an identity of its own. */
export type PlatformsById = ReadonlyMap<string, Platform>;

interface Ctx {
  deps: AppDeps;
  platforms: PlatformsById;
  sealKey: Uint8Array;
  now: number;
}

/** Store refreshed tokens at once: a rotating platform has already invalidated the old refresh token. */
async function storeTokens(ctx: Ctx, identityId: string, tokens: ProviderTokens): Promise<void> {
  const tokensEnc = await sealProviderTokens(ctx.sealKey, tokens);
  await ctx.deps.db.update(identities).set({ tokensEnc, updatedAt: ctx.now }).where(eq(identities.id, identityId));
}

async function refreshTokens(ctx: Ctx, platform: Platform, identity: Identity, current: ProviderTokens, signal: AbortSignal): Promise<ProviderTokens> {
  // Without our client at the platform (not configured) there is no refresh: the token is used as it is.
  if (!platform.refreshTokens || !current.refreshToken) return current;
  try {
    const next = await platform.refreshTokens({ ...current, refreshToken: current.refreshToken }, ctx.now, signal);
    await storeTokens(ctx, identity.id, next);
    return next;
  } catch (err) {
    if (!(err instanceof ProviderRejectedError)) throw err;
    // Another request (or process) may have used this refresh token a moment ago: adopt what it stored
    // instead of declaring the identity dead.
    const stored = await identityTokens(ctx.deps.db, ctx.sealKey, identity.id);
    if (stored && stored.refreshToken !== current.refreshToken) return stored;
    throw err;
  }
}

async function syncIdentity(ctx: Ctx, identity: Identity): Promise<Outcome> {
  const { provider } = identity;
  const platform = ctx.platforms.get(provider);
  const refetch = platform?.refetchFacts;
  if (identity.staleAt !== null || !platform || !refetch) return { kind: "skipped" };
  const { db, logger } = ctx.deps;
  const [row] = await db.select({ tokensEnc: identities.tokensEnc }).from(identities).where(eq(identities.id, identity.id));
  let tokens: ProviderTokens | null;
  try {
    // Only the unsealing is in here: a database error must not mark anything stale.
    tokens = await openProviderTokens(ctx.sealKey, row?.tokensEnc);
  } catch {
    // Tampered with, or sealed under another AUTHBRIDGE_SECRET: only a new login can give us a token.
    await markIdentityStale(db, identity.id, ctx.now);
    logger.warn("identity marked stale: stored provider token unreadable", { identity: identity.id, provider });
    return { kind: "stale" };
  }
  if (!tokens) return { kind: "skipped" };
  const signal = AbortSignal.timeout(PLATFORM_TIMEOUT_MS);
  try {
    let refreshed = false;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= ctx.now / 1000 + EXPIRY_SKEW_SECONDS) {
      const before = tokens;
      tokens = await refreshTokens(ctx, platform, identity, tokens, signal);
      refreshed = tokens !== before;
    }
    let facts;
    try {
      facts = await refetch(tokens.accessToken, identity.subject, signal);
    } catch (err) {
      // A token we believed valid was refused (expired early, no expiry known): one refresh, one retry.
      if (!(err instanceof ProviderRejectedError) || refreshed || !tokens.refreshToken) throw err;
      const before = tokens;
      tokens = await refreshTokens(ctx, platform, identity, tokens, signal);
      if (tokens === before) throw err;
      facts = await refetch(tokens.accessToken, identity.subject, signal);
    }
    // Without tokens: new ones were stored the moment they arrived.
    await storeFacts(db, { identityId: identity.id, facts, now: ctx.now });
    return { kind: "synced" };
  } catch (err) {
    // Only a refusal of the token itself (401/403, or a platform-level "invalid token" answer without an
    // HTTP status) makes the identity stale; any other refusal says nothing about the token.
    if (err instanceof ProviderRejectedError && (err.status === undefined || err.status === 401 || err.status === 403)) {
      await markIdentityStale(db, identity.id, ctx.now);
      logger.warn("identity marked stale: the platform refused its token", { identity: identity.id, provider, reason: err.message });
      return { kind: "stale" };
    }
    if (err instanceof DependencyUnavailableError || err instanceof ProviderRejectedError) {
      logger.warn("platform unavailable during entitlement re-sync", { identity: identity.id, provider, reason: err.message });
      return { kind: "unavailable", provider, factsAt: identity.factsUpdatedAt ?? identity.createdAt };
    }
    throw err;
  }
}

async function resync(deps: AppDeps, platforms: PlatformsById, rules: Rules, accountId: string): Promise<StoredEntitlements> {
  const now = deps.now();
  const ctx: Ctx = { deps, platforms, sealKey: await derivedKey(deps.config.secret, "provider-token-encryption"), now };
  const list = await listIdentities(deps.db, accountId);
  // In parallel: the slowest platform (bounded by PLATFORM_TIMEOUT_MS) sets the delay, not their sum.
  const outcomes = await Promise.all(list.map((i) => syncIdentity(ctx, i)));
  let derived: StoredEntitlements;
  try {
    derived = await deriveAndStoreEntitlements(deps.db, rules, accountId, now);
  } catch (err) {
    // The account is gone (deleted between the token's issue and now): it is entitled to nothing.
    if (err instanceof AccountError && err.code === "not_found") return { scopes: [], roles: [], derivedAt: now };
    throw err;
  }
  const silent = outcomes.filter((o): o is Extract<Outcome, { kind: "unavailable" }> => o.kind === "unavailable");
  if (silent.length === 0) {
    await publishEntitlements(deps.store, deps.config.entitlementsMaxAge, accountId, derived, now);
    return derived;
  }

  const oldest = Math.min(...silent.map((o) => o.factsAt));
  await deps.db.update(entitlementsTable).set({ derivedAt: oldest }).where(eq(entitlementsTable.accountId, accountId));
  const { entitlementsMaxAge: maxAge, entitlementsGrace: grace } = deps.config;
  if (now - oldest > (maxAge + grace) * 1000) {
    const names = [...new Set(silent.map((o) => o.provider))].join(", ");
    deps.logger.warn("token refused: entitlements too old and a platform does not answer", { account: accountId, providers: names });
    throw new OAuthError(
      "temporarily_unavailable",
      `the account's entitlements could not be refreshed: ${names} did not answer, and the last confirmed entitlements are older than ENTITLEMENTS_MAX_AGE + ENTITLEMENTS_GRACE allow; try again once ${names} is reachable`,
    );
  }
  const result = { ...derived, derivedAt: oldest };
  // Published with the age of its oldest facts: never trusted past the grace (too old: withdrawn instead).
  await publishEntitlements(deps.store, deps.config.entitlementsMaxAge, accountId, result, now);
  return result;
}

const inflight = new WeakMap<AppDeps, Map<string, Promise<StoredEntitlements>>>();

/**
 * The account's entitlements for a token being issued now: the stored ones while younger than
 * ENTITLEMENTS_MAX_AGE, else re-synced from the platforms (see the module comment). Concurrent calls for
 * one account in this process share one re-sync (one round of platform calls, one answer for all); across
 * processes two re-syncs may run, each writing whole rows, and a lost race on a rotating refresh token is
 * detected and adopted. Throws `OAuthError("temporarily_unavailable")` when a platform has been silent
 * past ENTITLEMENTS_GRACE.
 * @example const { scopes, roles } = await currentEntitlements(deps, platforms, deps.config.rules, accountId);
 */
export async function currentEntitlements(deps: AppDeps, platforms: PlatformsById, rules: Rules, accountId: string): Promise<StoredEntitlements> {
  const stored = await getEntitlements(deps.db, accountId);
  if (stored && deps.now() - stored.derivedAt < deps.config.entitlementsMaxAge * 1000) return stored;
  let byAccount = inflight.get(deps);
  if (!byAccount) {
    byAccount = new Map();
    inflight.set(deps, byAccount);
  }
  const running = byAccount.get(accountId);
  if (running) return running;
  const started = resync(deps, platforms, rules, accountId).finally(() => byAccount.delete(accountId));
  byAccount.set(accountId, started);
  return started;
}
