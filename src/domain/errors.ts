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
