/**
 * `POST /token`: reads the form, authenticates the client, checks the client may use the grant, then hands
 * over to the grant's handler. Responses are never cached.
 */
import { Hono } from "hono";
import { authenticateClient, type AuthenticatedClient } from "../clients/authenticate";
import type { GrantType } from "../clients/registry";
import type { AppDeps } from "../deps";
import { OAuthError } from "../errors";
import { readForm, type OAuthForm } from "./form";

/** A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1). */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
  issued_token_type?: string;
}

/** What a grant handler gets. */
export interface GrantContext {
  deps: AppDeps;
  form: OAuthForm;
  caller: AuthenticatedClient;
  userAgent: string | undefined;
}

/** One grant's handler. */
export type GrantHandler = (ctx: GrantContext) => Promise<TokenResponse>;

/**
 * Routes: `/token` over the given grant handlers.
 * @example tokenRoutes(deps, { client_credentials: clientCredentialsGrant })
 */
export function tokenRoutes(deps: AppDeps, grants: Partial<Record<GrantType, GrantHandler>>) {
  return new Hono().post("/token", async (c) => {
    const form = await readForm(c);
    const grantType = form.params.grant_type;
    if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
    const handler = Object.hasOwn(grants, grantType) ? grants[grantType as GrantType] : undefined;
    if (!handler) throw new OAuthError("unsupported_grant_type", "this grant type is not supported");
    const caller = await authenticateClient(deps.db, c.req.header("authorization"), form.params);
    if (!caller.client.grants.includes(grantType as GrantType))
      throw new OAuthError("unauthorized_client", "this client may not use this grant type");
    const body = await handler({ deps, form, caller, userAgent: c.req.header("user-agent") });
    return c.json(body, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
  });
}
