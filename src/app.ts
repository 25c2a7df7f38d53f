/**
 * `createApp(deps)`: the whole HTTP surface over injected dependencies. No I/O at import time, no
 * Node-only imports, so the same app runs on Node and in workerd.
 */
import { Hono } from "hono";
import type { AppDeps } from "./deps";
import { healthRoutes } from "./http/health";
import { jwksRoutes } from "./http/jwks";
import { errorHandler, notFound } from "./http/on-error";
import { clientCredentialsGrant } from "./oauth/grants/client-credentials";
import { refreshTokenGrant } from "./oauth/grants/refresh-token";
import { introspectRoutes } from "./oauth/introspect";
import { metadataRoutes, type MetadataPart } from "./oauth/metadata";
import { revokeRoutes } from "./oauth/revoke";
import { tokenRoutes } from "./oauth/token";
import { createServices } from "./services";
import { subjectEntitlements } from "./accounts/subject-entitlements";

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];

/**
 * Build the app.
 * @example const app = createApp(deps); serve({ fetch: app.fetch, port: 8787 });
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const services = createServices(deps);
  const { issuer } = deps.config;
  const metadata: MetadataPart[] = [
    {
      token_endpoint: `${issuer}/token`,
      grant_types_supported: ["client_credentials", "refresh_token"],
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
      revocation_endpoint: `${issuer}/revoke`,
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
      introspection_endpoint: `${issuer}/introspect`,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      code_challenge_methods_supported: ["S256"],
    },
  ];
  app.route("/", healthRoutes(deps));
  app.route("/", jwksRoutes(deps));
  app.route(
    "/",
    tokenRoutes(deps, {
      client_credentials: clientCredentialsGrant,
      refresh_token: refreshTokenGrant(services, subjectEntitlements(deps)),
    }),
  );
  app.route("/", revokeRoutes(deps));
  app.route("/", introspectRoutes(deps));
  app.route("/", metadataRoutes(deps, metadata));
  app.notFound(notFound);
  app.onError(errorHandler(deps.logger));
  return app;
}
