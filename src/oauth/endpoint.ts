/**
 * The shell of each client-authenticating OAuth endpoint (`/token`, `/revoke`, `/introspect`): a sub-app
 * that owns its error format (RFC 6749 JSON, through its own `onError`) and its rate limits — request
 * volume per address, and failed client authentications per client and address. The limits live inside
 * the sub-app so that even their own failures are answered in the endpoint's format.
 * {@link authenticateCaller} authenticates the client, names it in the request log line, and keeps a
 * dynamically registered client from expiring while it is used.
 */
import { Hono, type Context } from "hono";
import { authenticateClient, type AuthenticatedClient } from "../clients/authenticate";
import { touchDynamicClient } from "../clients/dynamic";
import type { AppDeps } from "../deps";
import { oauthErrorHandler } from "../http/on-error";
import { limitAuthFailures, rateLimit } from "../ratelimit/middleware";

/** The endpoints that authenticate clients. */
export type OAuthEndpointPath = "/token" | "/revoke" | "/introspect";

/**
 * A sub-app for one OAuth endpoint; add the route to it.
 * @example oauthEndpoint(deps, "/revoke").post("/revoke", handler)
 */
export function oauthEndpoint(deps: AppDeps, path: OAuthEndpointPath): Hono {
  const { rateLimitPerMinute, authFailuresPerMinute } = deps.config;
  return new Hono()
    .onError(oauthErrorHandler(deps.logger))
    .use(path, rateLimit(deps, deps.localLimiter, { name: path.slice(1), limit: rateLimitPerMinute, windowSeconds: 60 }))
    .use(path, limitAuthFailures(deps, { name: "auth-failures", limit: authFailuresPerMinute, windowSeconds: 60 }));
}

/**
 * Authenticate the endpoint's caller ({@link authenticateClient}) and record who it is for the request
 * log: from here on the line names the client, whatever the answer (a public client identified by its
 * `client_id` included). A failed authentication names nobody.
 * @example const caller = await authenticateCaller(c, deps, form.params);
 */
export async function authenticateCaller(c: Context, deps: AppDeps, params: Record<string, string>): Promise<AuthenticatedClient> {
  const caller = await authenticateClient(deps.findClient, c.req.header("authorization"), params);
  c.set("clientId", caller.client.id);
  // A dynamically registered client in use is kept (one write a day at most; nothing for other clients).
  await touchDynamicClient(deps.db, caller.client, deps.now());
  return caller;
}
