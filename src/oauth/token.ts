/**
 * `POST /token`: reads the form, authenticates the client, checks the client may use the grant, then hands
 * over to the grant (built with the toolkit in `grants/grant.ts`) and answers with what it issued.
 * Responses are never cached; errors are answered in the OAuth JSON format by the endpoint's own handler.
 */
import type { AuthenticatedClient } from "../clients/authenticate";
import type { GrantType } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { authenticateCaller, oauthEndpoint } from "./endpoint";
import { readForm, type OAuthForm } from "./form";
import { tokenResponse, type IssuedTokens } from "./grants/grant";

/** A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1). */
export interface TokenResponse {
  access_token: string;
  issued_token_type?: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
  /** OpenID Connect: when the grant asked for `openid`. */
  id_token?: string;
}

/** What a grant handler gets (it was built over the app's deps). */
export interface GrantContext {
  form: OAuthForm;
  caller: AuthenticatedClient;
  userAgent: string | undefined;
}

/** One grant's handler (see `defineGrant`): what it issued, or a thrown OAuthError. */
export type GrantHandler = ((ctx: GrantContext) => Promise<IssuedTokens>) & {
  /**
   * How the grant serves a caller presenting no client authentication at all (see `defineAnonymousGrant`).
   * Absent: such callers are refused like any failed client authentication.
   */
  anonymous?: AnonymousGrantHandler;
};

/** A grant's handler for callers that did not name a client. */
export type AnonymousGrantHandler = (ctx: Omit<GrantContext, "caller">) => Promise<IssuedTokens>;

/**
 * Routes: `/token` over the given grant handlers.
 * @example tokenRoutes(deps, { client_credentials: clientCredentialsGrant(deps) })
 */
export function tokenRoutes(deps: AppDeps, grants: Partial<Record<GrantType, GrantHandler>>) {
  return oauthEndpoint(deps, "/token").post("/token", async (c) => {
    const form = await readForm(c);
    const grantType = form.params.grant_type;
    if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
    const handler = Object.hasOwn(grants, grantType) ? grants[grantType as GrantType] : undefined;
    if (!handler) throw new OAuthError("unsupported_grant_type", "this grant type is not supported");
    const userAgent = c.req.header("user-agent");
    // No Authorization header and no client_id: only a grant that gives such callers a meaning serves them.
    if (handler.anonymous && c.req.header("authorization") === undefined && form.params.client_id === undefined)
      return tokenResponse(c, await handler.anonymous({ form, userAgent }));
    const caller = await authenticateCaller(c, deps, form.params);
    if (!caller.client.grants.includes(grantType as GrantType))
      throw new OAuthError("unauthorized_client", "this client may not use this grant type");
    return tokenResponse(c, await handler({ form, caller, userAgent }));
  });
}
