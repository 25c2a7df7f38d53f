/**
 * `/console`: the front end where developers manage their apps and keys and operators manage clients,
 * accounts, sessions, signing keys and read the audit log. Server-rendered (hono/jsx), no script; every
 * change is a POST carrying the session's CSRF token, refused cross-origin by hono/csrf, and made through
 * the same services as the management API (src/admin), so both audit the same way with the same actor.
 */
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import type { AppDeps } from "../deps";
import type { SubjectEntitlements } from "../domain";
import { developerConsoleRoutes } from "./developer/routes";
import { consoleForbidden, consoleGuard, type ConsoleEnv } from "./guard";
import { operatorConsoleRoutes } from "./operator/routes";
import { consoleViewer } from "./viewer";

/**
 * The console's routes.
 * @example app.route("/", consoleRoutes(deps, { entitlements }));
 */
export function consoleRoutes(deps: AppDeps, opts: { entitlements: SubjectEntitlements }): Hono {
  const app = new Hono<ConsoleEnv>();
  app.use("/console/*", csrf({ origin: deps.config.issuer }));
  app.use("/console", csrf({ origin: deps.config.issuer }));

  // The landing: the viewer's first section.
  app.get("/console", async (c) => {
    const viewer = await consoleViewer(c, deps, opts.entitlements);
    if (!viewer) return c.redirect("/signin?to=console", 302);
    if (!viewer.developer) return consoleForbidden(c);
    return c.redirect(viewer.operator ? "/console/admin/clients" : "/console/apps", 302);
  });

  const operatorOnly = consoleGuard(deps, opts.entitlements, "operator");
  const developers = consoleGuard(deps, opts.entitlements, "developer");
  app.use("/console/*", (c, next) => (c.req.path.startsWith("/console/admin/") ? operatorOnly(c, next) : developers(c, next)));
  app.route("/", operatorConsoleRoutes(deps));
  app.route("/", developerConsoleRoutes(deps));
  return app as unknown as Hono;
}
