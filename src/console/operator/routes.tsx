/**
 * The operator's side of the console: every client, account, session, API key, signing key and the audit
 * log. Registered from the one table (./table.ts) behind the gate in ../routes.ts, which lets only
 * operators reach `/console/admin/*`.
 */
import { Hono } from "hono";
import type { AppDeps } from "../../deps";
import type { ConsoleEnv } from "../guard";
import { OPERATOR_ROUTES } from "./table";

/**
 * Routes under `/console/admin/` (the gate in ../routes.ts lets only operators in).
 * @example app.route("/", operatorConsoleRoutes(deps));
 */
export function operatorConsoleRoutes(deps: AppDeps) {
  const app = new Hono<ConsoleEnv>();
  for (const r of OPERATOR_ROUTES) app.on(r.method, r.path, (c) => r.handle(c, deps));
  return app;
}
