/**
 * Credential type `github-actions` (token exchange): a GitHub Actions OIDC ID token, verified with jose
 * against GitHub's key set: RS256 only, `iss` GitHub's, `aud` our issuer (a token minted for another
 * audience is someone else's credential), `exp`/`iat` required, small clock tolerance.
 *
 * Subject (provider "github-actions", a namespace no login connector uses): the token's `sub` claim,
 * e.g. `repo:acme/api:ref:refs/heads/main` (or the repository's customized subject template). Several
 * runs share it with different facts (an `environment` subject covers every ref), so the grant computes a
 * token's scopes from the facts of the token just verified, never from another run's.
 *
 * The key set is one jose remote key set per app: fetched on first use, kept for ten minutes, and
 * refetched early only when a token names an unknown `kid`, at most once per cooldown, so a flood of
 * forged tokens cannot turn into a flood of requests to GitHub.
 */
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { ProviderRejectedError, type CredentialCheck } from "../../src/domain";
import { DependencyUnavailableError } from "../../src/errors";

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
 * The key set used to verify Actions ID tokens (create it once per app: it caches the keys).
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

const CLOCK_TOLERANCE_S = 5;

const Claims = z.object({
  sub: z.string().min(1),
  exp: z.number(),
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  repository_owner: z.string().min(1),
  ref: z.string().min(1),
  workflow: z.string().min(1),
  actor: z.string().min(1),
  environment: z.string().min(1).optional(),
});

// Failures that say "this token is not good": everything else (key fetch failures, timeouts, a broken
// key set) means GitHub's keys could not be had, an outage.
const REFUSALS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

/**
 * The Actions check over a key set, for tokens minted for `audience`.
 * @example const check = githubActionsCheck(createActionsJwks(), issuer);
 */
export function githubActionsCheck(jwks: JWTVerifyGetKey, audience: string): CredentialCheck {
  return async (token, ctx) => {
    // Cheap refusals first, so a token that is plainly not ours never makes us fetch GitHub's keys.
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      unverified = decodeJwt(token);
    } catch (cause) {
      throw new ProviderRejectedError("github-actions", "not a JWT", { cause });
    }
    if (unverified.iss !== ACTIONS_ISSUER) throw new ProviderRejectedError("github-actions", "not issued by GitHub Actions");
    const aud = unverified.aud;
    if (!(Array.isArray(aud) ? aud.includes(audience) : aud === audience)) throw new ProviderRejectedError("github-actions", "audience is not this server");

    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: ACTIONS_ISSUER,
        audience,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "iat", "sub"],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(ctx.now),
      }));
    } catch (err) {
      if (REFUSALS.some((E) => err instanceof E)) throw new ProviderRejectedError("github-actions", (err as Error).message, { cause: err });
      throw new DependencyUnavailableError("provider", "GitHub Actions signing keys unavailable", { cause: err });
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new ProviderRejectedError("github-actions", "token lacks the Actions claims", { cause: claims.error });
    const c = claims.data;
    return {
      identity: {
        provider: "github-actions",
        subject: c.sub,
        username: `${c.repository}:${c.workflow}`,
        emailVerified: false,
        facts: {
          provider: "github-actions",
          repository: c.repository,
          repository_owner: c.repository_owner,
          ref: c.ref,
          workflow: c.workflow,
          environment: c.environment,
          actor: c.actor,
        },
      },
      expiresAt: c.exp * 1000,
    };
  };
}
