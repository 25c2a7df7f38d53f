/** How a refused API key is answered at the OAuth endpoints (the exchange at /token, /introspect). */
import { CredentialRejectedError, OAuthError } from "../errors";
import type { ApiKeyRefusal } from "./check";

/**
 * The error for a refused key: the same words for every refusal but the rate limit, so the answer does not
 * tell a revoked key from noise.
 * @example throw refusalError(result.reason, result.retryAt, deps.now());
 */
export function refusalError(reason: ApiKeyRefusal, retryAt: number | undefined, now: number): OAuthError {
  if (reason === "rate_limited") {
    const retryAfterSeconds = Math.max(1, Math.ceil(((retryAt ?? now) - now) / 1000));
    return new OAuthError("slow_down", "this API key is over its request limit, retry later", { retryAfterSeconds });
  }
  return new CredentialRejectedError("the API key is invalid, expired or revoked");
}
