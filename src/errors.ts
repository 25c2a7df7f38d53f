/**
 * Typed errors. Handlers throw these; `src/http/on-error.ts` is the one place that turns them into HTTP
 * responses in the contract's formats (OAuth JSON, RFC 9457 problem+json, RFC 6750 bearer, HTML).
 */

/** RFC 6749 §5.2 / RFC 7009 / RFC 8693 error codes we answer with. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "unsupported_token_type"
  | "access_denied"
  | "server_error"
  | "temporarily_unavailable"
  | "slow_down";

const OAUTH_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  unsupported_token_type: 400,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  slow_down: 429,
};

/** An OAuth protocol error, answered as `{ error, error_description }`. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly status: number;
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    opts?: { status?: number; cause?: unknown; basicChallenge?: boolean; retryAfterSeconds?: number },
  ) {
    super(description, { cause: opts?.cause });
    this.status = opts?.status ?? OAUTH_STATUS[code];
    this.basicChallenge = opts?.basicChallenge ?? false;
    this.retryAfterSeconds = opts?.retryAfterSeconds;
  }
  /** Sent as `Retry-After` (over a limit). */
  readonly retryAfterSeconds: number | undefined;
  /** Answer 401 with `WWW-Authenticate: Basic` (client tried HTTP Basic). */
  readonly basicChallenge: boolean;
}

/**
 * A failed client authentication: answered exactly like any `invalid_client` (nothing tells an unknown
 * client from a wrong secret), but it tells the rate limiter which existing client was named, so failures
 * are counted per client and address, and per address alone for ids that name no client.
 */
export class ClientAuthError extends OAuthError {
  constructor(
    /** The id of the existing client the caller named; undefined when it names no client. */
    readonly knownClientId: string | undefined,
    opts: { basicChallenge: boolean; description?: string },
  ) {
    super("invalid_client", opts.description ?? "client authentication failed", { basicChallenge: opts.basicChallenge });
  }
}

/**
 * A subject credential that authenticates its presenter on its own (an API key) was refused: answered as
 * `invalid_grant` (RFC 8693 §2.2.2), and counted by the rate limiter like a failed client authentication,
 * per address, so guessing keys is throttled like guessing secrets.
 */
export class CredentialRejectedError extends OAuthError {
  constructor(description: string) {
    super("invalid_grant", description);
  }
}

/** A non-OAuth JSON error answered as RFC 9457 problem+json. */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }
}

/** A dependency (database, state store, provider) did not answer in time. */
export class DependencyUnavailableError extends Error {
  override readonly name = "DependencyUnavailableError";
  constructor(
    readonly dependency: "database" | "state store" | "provider",
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, { cause: opts?.cause });
  }
}

/**
 * A bearer-token failure (RFC 6750 §3.1), answered like `authbridge/verify` answers it: `missing` (no
 * credentials: 401, a challenge without an error code), `malformed` (not one Bearer token: 400
 * `invalid_request`), `invalid` (401 `invalid_token`).
 */
export class BearerError extends Error {
  override readonly name = "BearerError";
  constructor(
    readonly description: string,
    readonly kind: "missing" | "malformed" | "invalid" = "invalid",
  ) {
    super(description);
  }
}
