/**
 * `urn:authbridge:token-type:github-actions`: a GitHub Actions OIDC ID token, verified with jose against
 * GitHub's key set: RS256 only, `iss` GitHub's, `aud` our issuer (a token minted for another audience is
 * someone else's credential), `exp`/`iat` required, small clock tolerance.
 *
 * Subject (provider "github-actions", a namespace no login connector uses): the token's `sub` claim,
 * e.g. `repo:acme/api:ref:refs/heads/main` (or the repository's customized subject template). Several
 * runs share it with different facts (an `environment` subject covers every ref), so the grant computes a
 * token's scopes from the facts of the token just verified, never from another run's.
 */
import { decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { ProviderRejectedError } from "../../providers/provider";
import { DependencyUnavailableError } from "../errors";
import { ACTIONS_ISSUER } from "./github-actions-jwks";
import type { CredentialVerifier } from "./types";

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
 * Build the Actions verifier over a key set (create the set once per app: it caches the keys).
 * @example const verify = githubActionsVerifier(createActionsJwks(), config.issuer);
 */
export function githubActionsVerifier(jwks: JWTVerifyGetKey, audience: string): CredentialVerifier {
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
