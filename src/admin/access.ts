/**
 * The management API's audience and scopes: what a token must carry to manage anything. Granted like any
 * other scope, through the rules document (people) or a client's allowed scopes (an operator's scripts).
 */

/** Operators: every client, account, session, signing key, API key and the audit log. */
export const ADMIN_SCOPE = "authbridge:admin";
/** Developers: the apps and API keys their own account owns. */
export const CLIENTS_SCOPE = "authbridge:clients";

/**
 * The audience management tokens must carry: the API's own URL under the issuer (an RFC 8707 resource).
 * @example managementAudience("https://auth.example.com") // "https://auth.example.com/api/v1"
 */
export function managementAudience(issuer: string): string {
  return `${issuer}/api/v1`;
}
