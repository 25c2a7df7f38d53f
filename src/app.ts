/**
 * `createApp(deps)`: the whole HTTP surface over injected dependencies. No I/O at import time, no
 * Node-only imports, so the same app runs on Node and in workerd.
 */
import { Hono } from "hono";
import type { AppDeps } from "./deps";
import { healthRoutes } from "./http/health";
import { jwksRoutes } from "./http/jwks";
import { errorHandler, notFound } from "./http/on-error";
import { metadataRoutes, type MetadataPart } from "./oauth/metadata";

/**
 * Build the app.
 * @example const app = createApp(deps); serve({ fetch: app.fetch, port: 8787 });
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const metadata: MetadataPart[] = [];
  app.route("/", healthRoutes(deps));
  app.route("/", jwksRoutes(deps));
  app.route("/", metadataRoutes(deps, metadata));
  app.notFound(notFound);
  app.onError(errorHandler(deps.logger));
  return app;
}
