/**
 * The management API, `/api/v1/…` JSON (CONTRACT.md, "Console and management API"): a thin HTTP layer over
 * the services in src/admin, which the console shares. Every route comes from the one table
 * (src/api/table.ts) and passes the same gate: a management token (src/api/auth.ts), then the route's
 * access level. Errors are RFC 9457 problem+json, bearer failures RFC 6750.
 */
import { Hono } from "hono";
import type { AppDeps } from "../deps";
import { callerFor, verifyManagementToken } from "./auth";
import { apiErrorHandler } from "./errors";
import { MANAGEMENT_ROUTES } from "./table";

/**
 * The management API's routes, to mount at the root.
 * @example app.route("/", managementApiRoutes(deps));
 */
export function managementApiRoutes(deps: AppDeps): Hono {
  const api = new Hono();
  for (const r of MANAGEMENT_ROUTES) {
    api.on(r.method, r.path, async (c) => {
      const holder = await verifyManagementToken(deps, c.req.header("authorization"));
      return r.handle({ c, deps, caller: callerFor(c, holder, r.access) });
    });
  }
  api.onError(apiErrorHandler(deps.logger));
  return api;
}
