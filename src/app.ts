/**
 * `createApp(deps)`: the whole HTTP surface over injected dependencies. No I/O at import time, no
 * Node-only imports, so the same app runs on Node and in workerd.
 */
import { Hono } from "hono";
import { subjectEntitlements } from "./accounts/subject-entitlements";
import { managementApiRoutes } from "./api/routes";
import { apiKeyChecker } from "./apikeys/check";
import type { AppDeps } from "./deps";
import { limitBodies } from "./http/body-limit";
import { healthRoutes } from "./http/health";
import { countIssued, instrumentDeps } from "./http/instrument";
import { jwksRoutes } from "./http/jwks";
import { createMetrics, metricsRoutes } from "./http/metrics";
import { errorHandler, notFound } from "./http/on-error";
import { requestLog } from "./http/request-log";
import { onIdentity } from "./login/on-identity";
import { loginRoutes } from "./login/routes";
import { authorizeRoutes } from "./oauth/authorize";
import { consentRoutes } from "./oauth/consent";
import { authorizationCodeGrant } from "./oauth/grants/authorization-code";
import { clientCredentialsGrant } from "./oauth/grants/client-credentials";
import { refreshTokenGrant } from "./oauth/grants/refresh-token";
import { tokenExchangeGrant } from "./oauth/grants/token-exchange";
import { introspectRoutes } from "./oauth/introspect";
import { metadataRoutes, thirdPartyMetadata, type MetadataPart } from "./oauth/metadata";
import { registerRoutes } from "./oauth/register";
import { revokeRoutes } from "./oauth/revoke";
import { tokenRoutes } from "./oauth/token";
import { userinfoRoutes } from "./oauth/userinfo";
import { buildPlatforms, loginProviders } from "./platforms";
import { rateLimit } from "./ratelimit/middleware";
import { createServices } from "./services";
import { accountRoutes } from "./session/account-routes";
import { consoleRoutes } from "./console/routes";
import { openIdMetadata } from "./oidc/discovery";
import { logoutRoutes } from "./oidc/logout";

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];

/**
 * Build the app.
 * @example const app = createApp(deps); serve({ fetch: app.fetch, port: 8787 });
 */
export function createApp(appDeps: AppDeps): Hono {
  const app = new Hono();
  const metrics = createMetrics();
  const deps = instrumentDeps(appDeps, metrics);
  app.use("*", requestLog(deps.logger, metrics)); // outermost: sees every answer, refusals included
  app.use("*", limitBodies()); // first: no middleware or route reads more than a form's worth of body
  const { rules } = deps.config;
  // Platforms are declared once per app (they hold caches, e.g. GitHub Actions keys) and asked for capabilities.
  const platforms = buildPlatforms(deps.config, { observe: (platform, outcome, seconds) => metrics.platformCall(platform, outcome, seconds) });
  const providers = loginProviders(platforms, deps.config);
  const services = createServices(deps);
  const entitlements = subjectEntitlements(deps, platforms);
  const apiKeys = apiKeyChecker(deps, entitlements);
  const { issuer } = deps.config;
  const metadata: MetadataPart[] = [
    {
      authorization_endpoint: `${issuer}/authorize`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      token_endpoint: `${issuer}/token`,
      grant_types_supported: ["authorization_code", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:token-exchange"],
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
      revocation_endpoint: `${issuer}/revoke`,
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
      introspection_endpoint: `${issuer}/introspect`,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      userinfo_endpoint: `${issuer}/userinfo`,
    },
    thirdPartyMetadata(deps.config),
    openIdMetadata(issuer),
  ];
  const perMinute = deps.config.rateLimitPerMinute;
  // The endpoints that authenticate a client (/token, /introspect, /revoke) carry their own rate limits
  // and error format (oauth/endpoint.ts).
  // Callbacks come from browsers, keyed by address: a tenth of the API budget is plenty for people.
  app.use("/auth/:provider/callback", rateLimit(deps, deps.rateLimiter, { name: "callback", limit: Math.ceil(perMinute / 10), windowSeconds: 60 }, { html: true }));
  app.route("/", healthRoutes(deps));
  app.route("/", jwksRoutes(deps));
  app.route("/", authorizeRoutes(deps, providers));
  app.route("/", consentRoutes(deps));
  if (deps.config.dynamicRegistration) app.route("/", registerRoutes(deps));
  app.route("/", loginRoutes(deps, { providers, onIdentity: onIdentity(deps, rules) }));
  app.route("/", accountRoutes(deps, rules, providers));
  app.route("/", consoleRoutes(deps, { entitlements }));
  app.route(
    "/",
    tokenRoutes(
      deps,
      countIssued(metrics, {
        authorization_code: authorizationCodeGrant(deps, { services, entitlements }),
        client_credentials: clientCredentialsGrant(deps),
        refresh_token: refreshTokenGrant(deps, { services, entitlements }),
        "urn:ietf:params:oauth:grant-type:token-exchange": tokenExchangeGrant(deps, { platforms, apiKeys }),
      }),
    ),
  );
  app.route("/", revokeRoutes(deps));
  app.route("/", introspectRoutes(deps, { apiKeys }));
  app.route("/", userinfoRoutes(deps));
  // The metadata document at both well-known paths (RFC 8414 and OpenID Connect Discovery).
  app.route("/", metadataRoutes(deps, metadata));
  // OpenID Connect: RP-initiated logout.
  app.route("/", logoutRoutes(deps));
  app.route("/", managementApiRoutes(deps));
  if (deps.config.metricsToken) app.route("/", metricsRoutes(deps.config.metricsToken, metrics));
  app.notFound(notFound);
  app.onError(errorHandler(deps.logger));
  return app;
}
