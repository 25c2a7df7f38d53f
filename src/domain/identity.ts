/** Upstream identities and the platform tokens that come with a login. */
import type { ProviderFacts } from "./facts";
import type { ProviderId } from "./platforms";

/** Tokens the platform gave us (stored encrypted, never handed out). */
export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string | undefined;
  /** Epoch seconds. */
  expiresAt?: number | undefined;
  scope?: string | undefined;
}

/** One upstream identity after a successful login or credential check. */
export interface ExternalIdentity {
  /** Which connector produced it (the identity key is (provider, subject)). */
  provider: ProviderId | "github-actions";
  /** The platform's immutable user id (never the username or email). */
  subject: string;
  username: string;
  email?: string | undefined;
  emailVerified: boolean;
  avatar?: string | undefined;
  facts: ProviderFacts;
  tokens?: ProviderTokens | undefined;
}
