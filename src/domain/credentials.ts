/**
 * Bot and workload credentials of RFC 8693 token exchange: one `subject_token_type` per kind of platform
 * credential, and what a platform's check of one yields. A check throws `ProviderRejectedError` when the
 * platform refuses the credential (→ `invalid_grant`) and `DependencyUnavailableError` when it does not
 * answer usably (→ 503).
 */
import type { ExternalIdentity } from "./identity";

/** The `subject_token_type` values we accept (CONTRACT.md), by short name. */
export const SUBJECT_TOKEN_TYPES = {
  github: "urn:authbridge:token-type:github",
  "github-actions": "urn:authbridge:token-type:github-actions",
  slack: "urn:authbridge:token-type:slack",
  "discord-bot": "urn:authbridge:token-type:discord-bot",
} as const;

/** Short name of an accepted credential type. */
export type CredentialType = keyof typeof SUBJECT_TOKEN_TYPES;

/** The only token type we issue (RFC 8693 §3). */
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

/**
 * The short name of a `subject_token_type` URN, or undefined when we do not accept it.
 * @example credentialTypeOf("urn:authbridge:token-type:slack") // "slack"
 */
export function credentialTypeOf(urn: string): CredentialType | undefined {
  for (const [name, value] of Object.entries(SUBJECT_TOKEN_TYPES)) if (value === urn) return name as CredentialType;
  return undefined;
}

/** What a check may use besides the credential. */
export interface VerifyContext {
  /** Bounds every platform call; aborting it is an outage, not a refusal. */
  signal: AbortSignal;
  /** Now, epoch milliseconds (the app's clock, so tests can drive expiry). */
  now: number;
}

/** A credential the platform vouched for. */
export interface VerifiedCredential {
  /** Never carries the credential itself (`tokens` stays unset): bots re-present it on every exchange. */
  identity: ExternalIdentity;
  /** When the credential itself expires (epoch ms), when the platform tells us. */
  expiresAt?: number | undefined;
}

/** One credential type's check at its platform. */
export type CredentialCheck = (credential: string, ctx: VerifyContext) => Promise<VerifiedCredential>;

/** The checks available, by credential type. */
export type CredentialChecks = Partial<Record<CredentialType, CredentialCheck>>;
