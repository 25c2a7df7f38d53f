/**
 * Authorization codes: 256 random bits, kept in the state store under their hash for at most 60 s and
 * redeemed by take-once. A redeemed code leaves a short-lived marker naming what it issued, so that a
 * replay revokes that (RFC 9700 §4.2.4 / OAuth 2.1 §4.1.3).
 */
import { z } from "zod";
import type { AppDeps } from "../deps";
import { randomToken, sha256 } from "../lib/ids";
import { consentMarkId } from "../store/store";

/** Lifetime of an authorization code (seconds). */
export const CODE_TTL = 60;
/** How long a redeemed code is remembered for replay detection (seconds). */
const REDEEMED_TTL = 600;

/** What a code stands for. */
export const CodeGrant = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  /**
   * Whether the authorization request named `redirect_uri` (it may be left out when the client has one):
   * the token request must then repeat it (RFC 6749 §4.1.3), and may leave it out otherwise.
   */
  redirectUriSent: z.boolean().default(true),
  codeChallenge: z.string(),
  accountId: z.string(),
  sid: z.string(),
  scopes: z.array(z.string()),
  aud: z.string(),
  /**
   * When the person authorized the request (epoch ms): marks written from then on — a block, a logout, a
   * session revoke — void the code, and the family it starts keeps this time for good.
   */
  authAt: z.number(),
  /** Expiry, epoch ms (the store's TTL says the same; kept to restore a code with its remaining life). */
  exp: z.number(),
  /** OpenID Connect: the request's `nonce`, echoed in the ID token. */
  nonce: z.string().optional(),
  /** OpenID Connect: when the person signed in (the session's start, epoch ms), the ID token's `auth_time`. */
  authTime: z.number().optional(),
});
/** What a code stands for. */
export type CodeGrant = z.infer<typeof CodeGrant>;

/** What a redeemed code issued: revoked when the code is replayed. */
export interface Redeemed {
  family: string;
  jti: string;
  accessExp: number;
  refreshExp: number;
}

const codeKey = async (code: string) => `code:${await sha256(code)}`;
const redeemedKey = async (code: string) => `code-used:${await sha256(code)}`;

/** Mint a code for `grant`, authorized now. */
export async function issueCode(deps: AppDeps, grant: Omit<z.input<typeof CodeGrant>, "exp" | "authAt">): Promise<string> {
  const code = `ac_${randomToken(32)}`;
  const now = deps.now();
  const stored: CodeGrant = { redirectUriSent: true, ...grant, authAt: now, exp: now + CODE_TTL * 1000 };
  await deps.store.put(await codeKey(code), JSON.stringify(stored), CODE_TTL);
  return code;
}

/**
 * Whether the session or account behind a code was revoked (logout, session revoke, block), or the person
 * disconnected the client, at or after the moment the code was authorized: such a code must issue nothing.
 */
export async function codeRevoked(deps: AppDeps, grant: CodeGrant): Promise<boolean> {
  const mark = await deps.store.newestMark([
    { kind: "session", id: grant.sid },
    { kind: "account", id: grant.accountId },
    { kind: "consent", id: consentMarkId(grant.accountId, grant.clientId) },
  ]);
  return mark !== null && mark >= grant.authAt;
}

/** Put a taken code back for the rest of its life (the grant failed before issuing anything). */
export async function restoreCode(deps: AppDeps, code: string, grant: CodeGrant): Promise<void> {
  const remaining = Math.floor((grant.exp - deps.now()) / 1000);
  if (remaining > 0) await deps.store.put(await codeKey(code), JSON.stringify(grant), remaining);
}

/** Redeem a code once; null when unknown, expired or already used. */
export async function takeCode(deps: AppDeps, code: string): Promise<CodeGrant | null> {
  if (!/^ac_[A-Za-z0-9_-]{43}$/.test(code)) return null;
  const raw = await deps.store.take(await codeKey(code));
  if (!raw) return null;
  const parsed = CodeGrant.safeParse(JSON.parse(raw));
  return parsed.success && parsed.data.exp > deps.now() ? parsed.data : null;
}

/** Remember what a redeemed code issued. */
export async function rememberRedeemed(deps: AppDeps, code: string, what: Redeemed): Promise<void> {
  await deps.store.put(await redeemedKey(code), JSON.stringify(what), REDEEMED_TTL);
}

/** On a replayed code: revoke what its first redemption issued. True when something was revoked. */
export async function revokeReplayed(deps: AppDeps, code: string): Promise<boolean> {
  if (!/^ac_[A-Za-z0-9_-]{43}$/.test(code)) return false;
  const raw = await deps.store.take(await redeemedKey(code));
  if (!raw) return false;
  const what = JSON.parse(raw) as Redeemed;
  const now = deps.now();
  const nowS = Math.floor(now / 1000);
  await deps.store.revoke([
    { kind: "family", id: what.family, at: now, ttlSeconds: Math.max(1, what.refreshExp - nowS) },
    { kind: "jti", id: what.jti, at: now, ttlSeconds: Math.max(1, what.accessExp - nowS + 60) },
  ]);
  return true;
}
