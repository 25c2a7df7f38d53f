/**
 * The upstream identity providers behind one interface. Each provider file (github.ts, discord.ts,
 * slack.ts, dev.ts) declares its endpoints and scopes and maps the platform's answers to an
 * {@link ExternalIdentity}; quirks stay in that file.
 */
import type { Context } from "hono";

/** Platforms people log in with. `dev` is the local fake picker (localhost only). */
export type ProviderId = "github" | "discord" | "slack" | "dev";

/** Platforms whose facts the rules can match (`github-actions` only through token exchange). */
export type FactsProvider = "github" | "discord" | "slack" | "github-actions";

/** What a platform says about an identity, in the shape the rules document matches against. */
export type ProviderFacts =
  | {
      provider: "github";
      /** Organization logins, e.g. `acme`. */
      orgs: string[];
      /** Teams as `org/team-slug`, e.g. `acme/platform`. */
      teams: string[];
      /** Installation tokens (bots): the repositories (`owner/name`) the installation can reach. */
      repositories?: string[];
    }
  | {
      provider: "discord";
      /** Guild ids the user is in. */
      guilds: string[];
      /** Role ids by guild id, for the guilds the rules mention. */
      roles: Record<string, string[]>;
    }
  | {
      provider: "slack";
      team: string;
      enterprise?: string | undefined;
      teamName?: string | undefined;
      /** Bots: the Slack app id. */
      appId?: string | undefined;
    }
  | {
      provider: "github-actions";
      repository: string;
      repository_owner: string;
      ref: string;
      workflow: string;
      environment?: string | undefined;
      actor: string;
    };

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
