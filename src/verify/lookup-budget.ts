/**
 * How many keys the API may ask the issuer about that it has no answer for: a token bucket of
 * `perMinute`, refilled continuously and holding at most a minute's worth. A key's CRC-32 checksum is no
 * secret, so anyone can make up well-formed keys; each costs one introspection against the API's own
 * per-client budget at the issuer (RATE_LIMIT_PER_MINUTE, 600 by default) that its JWT revocation checks
 * share. Past this bound, unknown keys wait (503) and every key already answered keeps working.
 */

/** Takes one look-up from the budget at `nowMs`; false when there is none left. */
export type LookupBudget = (nowMs: number) => boolean;

/**
 * A budget of `perMinute` look-ups.
 * @example const mayAsk = lookupBudget(300); if (!mayAsk(Date.now())) throw new VerifierUnavailable("…");
 */
export function lookupBudget(perMinute: number): LookupBudget {
  let tokens = perMinute;
  let at: number | undefined;
  return (nowMs) => {
    if (at !== undefined) tokens = Math.min(perMinute, tokens + ((nowMs - at) * perMinute) / 60_000);
    at = nowMs;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
