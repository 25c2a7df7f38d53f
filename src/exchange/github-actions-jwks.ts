/**
 * GitHub Actions' signing keys: one jose remote key set per app. It is fetched on first use, kept for
 * ten minutes, and refetched early only when a token names an unknown `kid`, at most once per cooldown,
 * so a flood of forged tokens cannot turn into a flood of requests to GitHub.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

/** The Actions OIDC issuer (the `iss` of its ID tokens). */
export const ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
/** Where the issuer publishes its keys. */
export const ACTIONS_JWKS_URL = `${ACTIONS_ISSUER}/.well-known/jwks`;

/** Options of {@link createActionsJwks}. */
export interface ActionsJwksOptions {
  /** Default {@link ACTIONS_JWKS_URL}. */
  url?: string;
  /** Give up on a key fetch after this many ms (default 5000). */
  timeoutMs?: number;
}

/**
 * The key set used to verify Actions ID tokens.
 * @example const jwks = createActionsJwks(); await jwtVerify(token, jwks, { issuer: ACTIONS_ISSUER });
 */
export function createActionsJwks(opts: ActionsJwksOptions = {}): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(opts.url ?? ACTIONS_JWKS_URL), {
    timeoutDuration: opts.timeoutMs ?? 5000,
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
    headers: { "User-Agent": "authbridge" },
  });
}
