/**
 * Signing keys as an operator sees them: which one signs now, which are still published in the JWKS (able
 * to verify live tokens), and rotation. Private keys never leave the key ring.
 */
import { asc, desc, isNull } from "drizzle-orm";
import { signingKeys } from "../db/schema";
import type { AppDeps } from "../deps";
import { accessKeyRow, type KeyAlg } from "../tokens/keys";
import { auditRow } from "./audit-write";

/** One signing key, without its private part. */
export interface SigningKeyView {
  kid: string;
  alg: KeyAlg;
  createdAt: number;
  /** When a newer key took over; null for the current keys. */
  retiredAt: number | null;
  /** Signs new access tokens now (an unretired RS256 key signs ID tokens). */
  current: boolean;
  /** In the JWKS: the current key and retired ones that may still have signed a live token. */
  published: boolean;
}

/**
 * Every signing key, newest first.
 * @example const keys = await listSigningKeys(deps);
 */
export async function listSigningKeys(deps: AppDeps): Promise<SigningKeyView[]> {
  const [rows, published] = await Promise.all([
    deps.db
      .select({ kid: signingKeys.kid, alg: signingKeys.alg, createdAt: signingKeys.createdAt, retiredAt: signingKeys.retiredAt })
      .from(signingKeys)
      .orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid)),
    deps.keys.publicKeys(),
  ]);
  const publishedKids = new Set(published.map((k) => k.kid));
  // The key ring's own choice among the unretired keys (oldest first), so the two never disagree.
  const current = accessKeyRow(rows.filter((r) => r.retiredAt === null).reverse(), deps.config.signingAlg)?.kid;
  return rows.map((r) => ({ ...r, current: r.kid === current, published: publishedKids.has(r.kid) }));
}

/**
 * Make a new current key; the previous ones stay published until the tokens they signed have expired.
 * Audited as `signing_key.rotated` with the actor.
 * @example const { current } = await rotateSigningKey(deps, "acct_…");
 */
export async function rotateSigningKey(deps: AppDeps, actor: string): Promise<{ current: string; retired: string[] }> {
  // Opening the current key first proves AUTHBRIDGE_SECRET opens the stored ones before adding one sealed under it.
  await deps.keys.current();
  const before = await deps.db.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt)).orderBy(asc(signingKeys.createdAt));
  const kid = await deps.keys.rotate();
  const retired = before.map((r) => r.kid);
  // The key ring writes its rows in its own transaction; the audit row follows (a lost row here leaves
  // the rotation itself intact, and the key list still shows it).
  await auditRow(deps.db, { type: "signing_key.rotated", actor, subject: kid, detail: { retired } }, deps.now());
  return { current: kid, retired };
}
