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

/** The secrets of one login flow a provider needs (all CSPRNG values from the flow cookie). */
export interface FlowSecrets {
  state: string;
  nonce: string;
  /** PKCE verifier; providers whose platform (or library) has no PKCE ignore it. */
  codeVerifier: string;
}

/** What a provider's callback gets once the flow cookie and `state` have been checked. */
export interface CallbackInput extends FlowSecrets {
  /** The callback's parameters: the query string, or the form for a POST callback (dev). */
  params: URLSearchParams;
  /** Aborts when the whole callback's time budget is spent; pass it to every fetch. */
  signal: AbortSignal;
}

/**
 * One upstream login connector. `start` answers the browser (a redirect to the platform, or a page);
 * `callback` turns the platform's answer into an {@link ExternalIdentity}.
 * @example const res = await provider.start(c, { state, nonce, codeVerifier });
 */
export interface Provider {
  readonly id: ProviderId;
  /** Human name for pages, e.g. "GitHub". */
  readonly label: string;
  start(c: Context, flow: FlowSecrets): Response | Promise<Response>;
  callback(c: Context, input: CallbackInput): Promise<ExternalIdentity>;
}

/** The platform answered but refused (bad or used code, revoked token, invalid ID token): a 400, not an outage. */
export class ProviderRejectedError extends Error {
  override readonly name = "ProviderRejectedError";
  /** HTTP status of the refusal when it came from an HTTP answer (401/403: the token itself is refused). */
  readonly status: number | undefined;
  constructor(
    readonly provider: string,
    message: string,
    opts?: { cause?: unknown; status?: number },
  ) {
    super(message, { cause: opts?.cause });
    this.status = opts?.status;
  }
}

export { fetchPlatform, fetchProviderJson, type PlatformFetchOptions } from "./fetch";
