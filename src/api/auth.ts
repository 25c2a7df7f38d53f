/**
 * Who may call the management API: a bearer access token of our own (RFC 9068), checked like /userinfo
 * and /introspect check them — signature, `typ`, issuer, expiry, every revocation mark — plus:
 *
 * - the audience: tokens must be issued for the management API itself, `<issuer>/api/v1`
 *   ({@link managementAudience}). Not the default audience: a token a client obtained for some other API
 *   (where it travels, and may leak) is never also a key to the management API. A client gets such a token
 *   by asking for it with RFC 8707 `resource=<issuer>/api/v1`, which it may only when the operator listed
 *   that audience among the client's audiences;
 * - the client: the token's client must still exist and be enabled (a deleted client has no mark to check);
 * - the scope: `authbridge:admin` for operator routes; `authbridge:clients` (held by an account) for the
 *   developer routes, which then see only what that account owns.
 */
import type { Context } from "hono";
import { ADMIN_SCOPE, CLIENTS_SCOPE, managementAudience } from "../admin/access";
import type { Caller } from "../admin/caller";
import type { AppDeps } from "../deps";
import { BearerError, ProblemError } from "../errors";
import { ID_PREFIX } from "../lib/ids";
import { accessTokenMarkRefs, isCoveredByMark } from "../store/store";
import { verifyOwnAccessToken } from "../tokens/verify-own";
import { bearerToken } from "../verify/challenge";

/** Who may use a route: operators only, or developers too (each seeing only their own). */
export type Access = "operator" | "developer";

/** What a verified management token says about its bearer. */
export interface TokenHolder {
  sub: string;
  clientId: string;
  scopes: string[];
}

function audiences(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

/**
 * Verify the request's bearer token; throws {@link BearerError} (401, or 400 for a malformed header).
 * @example const holder = await verifyManagementToken(deps, c.req.header("authorization"));
 */
export async function verifyManagementToken(deps: AppDeps, authorization: string | undefined): Promise<TokenHolder> {
  const token = bearerToken(authorization);
  if (token === undefined) throw new BearerError("a bearer access token is required", "missing");
  if (token === "") throw new BearerError("the Authorization header must be Bearer and one token", "malformed");
  const claims = await verifyOwnAccessToken(deps.keys, deps.config.issuer, token, { now: deps.now() });
  if (!claims) throw new BearerError("the access token is invalid or expired");
  if (!audiences(claims.aud).includes(managementAudience(deps.config.issuer)))
    throw new BearerError(`the access token is not for this API: its audience must be ${managementAudience(deps.config.issuer)}`);
  const [mark, client] = await Promise.all([deps.store.newestMark(accessTokenMarkRefs(claims)), deps.findClient(claims.client_id)]);
  if (isCoveredByMark(mark, claims.iat)) throw new BearerError("the access token was revoked");
  if (!client || client.disabledAt !== null) throw new BearerError("the access token's client is disabled or gone");
  return { sub: claims.sub, clientId: claims.client_id, scopes: claims.scope.split(" ").filter(Boolean) };
}

/**
 * The caller a route of `access` sees, or a 403 problem (with an RFC 6750 `insufficient_scope` challenge
 * naming the scope it needs). An operator token acts as an operator everywhere; a developer is an account.
 * @example const caller = callerFor(c, holder, "developer");
 */
export function callerFor(c: Context, holder: TokenHolder, access: Access): Caller {
  if (holder.scopes.includes(ADMIN_SCOPE)) return { kind: "operator", actor: holder.sub };
  if (access === "developer" && holder.scopes.includes(CLIENTS_SCOPE) && holder.sub.startsWith(ID_PREFIX.account)) {
    return { kind: "developer", accountId: holder.sub };
  }
  const needed = access === "operator" ? ADMIN_SCOPE : `${CLIENTS_SCOPE} or ${ADMIN_SCOPE}`;
  c.header("WWW-Authenticate", `Bearer error="insufficient_scope", scope="${access === "operator" ? ADMIN_SCOPE : CLIENTS_SCOPE}"`);
  throw new ProblemError(403, "Forbidden", `this route needs a token with ${needed}${access === "developer" ? " (held by an account)" : ""}`, {
    required_scope: access === "operator" ? ADMIN_SCOPE : CLIENTS_SCOPE,
  });
}
