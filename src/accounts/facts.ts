/**
 * Stored provider facts and tokens of an identity: reading them back safely, refreshing them after a
 * provider call, and marking an identity stale when the platform rejects its token.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { identities } from "../db/schema";
import { isFactsProvider, type ProviderFacts, type ProviderTokens } from "../domain";
import { seal, unseal } from "../lib/sealed";

/**
 * Parse the `facts` column. Anything unreadable (the column default `{}`, a corrupted value) is `null`,
 * which grants nothing: entitlements fail closed.
 */
export function parseFacts(text: string): ProviderFacts | null {
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === "object" && isFactsProvider((v as { provider?: unknown }).provider)) return v as ProviderFacts;
  } catch {
    // fall through: unreadable facts grant nothing
  }
  return null;
}

/**
 * Seal provider tokens for the `tokens_enc` column (key: `derivedKey(secret, "provider-token-encryption")`).
 * @example const tokensEnc = await sealProviderTokens(key, identity.tokens);
 */
export function sealProviderTokens(sealKey: Uint8Array, tokens: ProviderTokens): Promise<string> {
  return seal(sealKey, JSON.stringify(tokens));
}

/**
 * Open the sealed provider tokens of an identity; `null` when none are stored. Rejects when the value was
 * tampered with or sealed under another key (treat the identity as needing a new login).
 * @example const tokens = await openProviderTokens(key, row.tokensEnc);
 */
export async function openProviderTokens(sealKey: Uint8Array, tokensEnc: string | null | undefined): Promise<ProviderTokens | null> {
  if (!tokensEnc) return null;
  const v: unknown = JSON.parse(await unseal(sealKey, tokensEnc));
  if (!v || typeof v !== "object" || typeof (v as { accessToken?: unknown }).accessToken !== "string") {
    throw new Error("stored provider tokens have an unexpected shape");
  }
  return v as ProviderTokens;
}

/**
 * The sealed tokens of one identity, opened; `null` when the identity or its tokens are missing.
 * @example const tokens = await identityTokens(db, key, identityId);
 */
export async function identityTokens(db: Database, sealKey: Uint8Array, identityId: string): Promise<ProviderTokens | null> {
  const [row] = await db.select({ tokensEnc: identities.tokensEnc }).from(identities).where(eq(identities.id, identityId));
  return openProviderTokens(sealKey, row?.tokensEnc);
}

/**
 * Store facts fetched again from the platform (refresh path) and, when the platform issued new tokens,
 * those too. Clears `staleAt`: the platform just answered for this identity.
 * @example await storeFacts(db, { identityId, facts, now, sealKey, tokens });
 */
export async function storeFacts(
  db: Database,
  opts: { identityId: string; facts: ProviderFacts; now: number; sealKey?: Uint8Array; tokens?: ProviderTokens | undefined },
): Promise<void> {
  const tokensEnc = opts.tokens && opts.sealKey ? await sealProviderTokens(opts.sealKey, opts.tokens) : undefined;
  await db
    .update(identities)
    .set({ facts: JSON.stringify(opts.facts), factsUpdatedAt: opts.now, updatedAt: opts.now, staleAt: null, ...(tokensEnc ? { tokensEnc } : {}) })
    .where(eq(identities.id, opts.identityId));
}

/**
 * Mark an identity stale (the platform rejected its token): it grants nothing until the person logs in
 * with it again. Keeps the first `staleAt`.
 * @example await markIdentityStale(db, identityId, Date.now());
 */
export async function markIdentityStale(db: Database, identityId: string, now: number): Promise<void> {
  await db
    .update(identities)
    .set({ staleAt: now, updatedAt: now })
    .where(and(eq(identities.id, identityId), isNull(identities.staleAt)));
}
