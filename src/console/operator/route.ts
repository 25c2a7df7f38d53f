/**
 * One operator console route as data: method, path, what it does and its handler. Every route of the
 * operator's side is declared this way and registered from one table (./table.ts), so the tests walk the
 * same list the app serves and a new route cannot be left out of the "non-operators get 403" check. A
 * POST is declared with {@link action}, which reads the form only through the CSRF check: no POST handler
 * can forget it.
 */
import type { Context } from "hono";
import type { AppDeps } from "../../deps";
import { consoleForbidden, consoleForm, type ConsoleEnv, type ConsoleFormFields } from "../guard";

/** The context of an operator route (the gate has set `c.var.viewer`, an operator). */
export type OperatorContext = Context<ConsoleEnv>;

/** One declared route. */
export interface OperatorRoute {
  method: "GET" | "POST";
  /** Hono path pattern under `/console/admin/`; parameters are named after what they hold (`:clientId`). */
  path: string;
  /** One line saying what it does. */
  summary: string;
  handle(c: OperatorContext, deps: AppDeps): Promise<Response>;
}

/**
 * Declare a page (GET).
 * @example page("/console/admin/audit", "the audit log", (c, deps) => auditPage(c, deps))
 */
export function page(path: string, summary: string, handle: OperatorRoute["handle"]): OperatorRoute {
  return { method: "GET", path, summary, handle };
}

/**
 * Declare a change (POST): the handler runs only with a form whose session-bound CSRF token is right;
 * anything else is the console's 403 and changes nothing.
 * @example action("/console/admin/accounts/:accountId/block", "block the account", async (c, deps, form) => …)
 */
export function action(path: string, summary: string, handle: (c: OperatorContext, deps: AppDeps, form: ConsoleFormFields) => Promise<Response>): OperatorRoute {
  return {
    method: "POST",
    path,
    summary,
    async handle(c, deps) {
      const form = await consoleForm(c, deps);
      if (!form) return consoleForbidden(c);
      return handle(c, deps, form);
    },
  };
}

/**
 * A path parameter ("" when absent: the services answer not_found for it, like for any unknown id).
 * @example const id = param(c, "clientId");
 */
export function param(c: OperatorContext, name: string): string {
  return c.req.param(name) ?? "";
}

/**
 * After a change, back to a page with a `done` code that page turns into a notice (a fixed text per code,
 * never text from the request). 303, so a reload does not post again.
 * @example return doneRedirect(c, `/console/admin/accounts/${id}`, "blocked");
 */
export function doneRedirect(c: OperatorContext, path: string, done: string): Response {
  return c.redirect(`${path}?done=${encodeURIComponent(done)}`, 303);
}
