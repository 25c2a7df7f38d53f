/**
 * The developer's side of the console: their own apps (register, edit, reset the secret, disable, enable,
 * delete) and their personal API keys (create, revoke). The gate in ../routes.ts has already let the
 * viewer in as a developer (or operator); every service call below uses `viewer.asDeveloper`, so even an
 * operator sees only their own apps here.
 */
import { Hono } from "hono";
import type { AppDeps } from "../../deps";
import type { ConsoleEnv } from "../guard";
import { developerAppRoutes } from "./apps";
import { developerKeyRoutes } from "./keys";

/**
 * Routes under `/console/` for developers.
 * @example app.route("/", developerConsoleRoutes(deps));
 */
export function developerConsoleRoutes(deps: AppDeps) {
  const app = new Hono<ConsoleEnv>();
  app.route("/", developerAppRoutes(deps));
  app.route("/", developerKeyRoutes(deps));
  return app;
}
